"""Import: upload several transcripts, set their attributes, see what happened to each file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from .. import importing
from ..importing import convert
from ..importing.attributes import ALLOWED, parse_assignments
from .i18n import Strings
from .render import esc_md
from .resources import coder, engine, nlp_turn

T = Strings({
    "title": ("Import transcripts", "Tuo litteraatteja"),
    "files": ("DOCX transcripts (several at once)", "DOCX-litteraatit (useita kerralla)"),
    "attrs": ("Attributes for every file", "Ominaisuudet kaikille tiedostoille"),
    "attrs_help": ("Left empty, a value comes from the file's header table or the manifest.",
                   "Tyhjänä arvo tulee tiedoston otsaketaulukosta tai luettelosta."),
    "from_file": ("(from the file)", "(tiedostosta)"),
    "stakeholder": ("Stakeholder type", "Sidosryhmä"),
    "organisation_type": ("Organisation type", "Organisaatiotyyppi"),
    "format": ("Interview format", "Haastattelumuoto"),
    "organisation": ("Organisation", "Organisaatio"),
    "date": ("Interview date", "Haastattelupäivä"),
    "other": ("Other attributes, one key=value a line", "Muut ominaisuudet, yksi avain=arvo riville"),
    "manifest": ("Manifest CSV (one row per file, optional)", "Luettelo CSV-muodossa (rivi tiedostoa kohden, valinnainen)"),
    "options": ("Options", "Asetukset"),
    "replace": ("Replace transcripts of the same name whose content changed (their codings are deleted)",
                "Korvaa samannimiset muuttuneet litteraatit (niiden koodaukset poistetaan)"),
    "pattern": ("Speaker label pattern (regular expression with a (?P<label>...) group; optional)",
                "Puhujatunnisteen malli (säännöllinen lauseke, jossa ryhmä (?P<label>...); valinnainen)"),
    "pseudo": ("Pseudonymise names (Finnish NER and the list below)",
               "Pseudonymisoi nimet (suomen nimientunnistus ja alla oleva luettelo)"),
    "names": ("Names to replace, one a line; 'yritys: Acme Oy' marks a firm",
              "Korvattavat nimet, yksi riville; 'yritys: Acme Oy' merkitsee yrityksen"),
    "convert": ("Convert .doc/.odt/.rtf with LibreOffice", "Muunna .doc/.odt/.rtf LibreOfficella"),
    "import": ("Import", "Tuo"),
    "none": ("Choose one or more files first.", "Valitse ensin yksi tai useampi tiedosto."),
    "progress": ("Importing {file} ({done}/{total})", "Tuodaan {file} ({done}/{total})"),
    "ner": ("Loading the Finnish pipeline for pseudonymisation…", "Ladataan suomen kielimallia pseudonymisointiin…"),
    "report": ("Report", "Raportti"),
    "summary": ("{done} imported, {skipped} skipped, {failed} failed",
                "{done} tuotu, {skipped} ohitettu, {failed} epäonnistui"),
    "col_file": ("File", "Tiedosto"), "col_status": ("Status", "Tila"), "col_name": ("Name", "Nimi"),
    "col_turns": ("Turns", "Puheenvuorot"), "col_speakers": ("Speakers", "Puhujat"), "col_words": ("Words", "Sanat"),
    "col_memos": ("Memos", "Muistiot"), "col_stake": ("Stakeholder", "Sidosryhmä"),
    "col_message": ("Message", "Viesti"),
    "notes": ("Notes on {file}", "Huomioita: {file}"),
    "status_imported": ("imported", "tuotu"), "status_replaced": ("replaced", "korvattu"),
    "status_skipped": ("skipped", "ohitettu"), "status_failed": ("failed", "epäonnistui"),
})
TYPES = ["docx"]


@st.cache_resource(show_spinner=False)
def _ner_pipeline():
    from ..nlp import load_pipeline

    return load_pipeline(with_ner=True)


def _attribute_inputs() -> dict[str, str]:
    st.caption(T("attrs_help"))
    values: dict[str, str] = {}
    cols = st.columns(3)
    for col, key in zip(cols, ("stakeholder", "organisation_type", "format")):
        choice = col.selectbox(T(key), ["", *ALLOWED[key]], key=f"imp_{key}",
                               format_func=lambda v: v or T("from_file"))
        if choice:
            values[key] = choice
    c1, c2 = st.columns(2)
    org = c1.text_input(T("organisation"), key="imp_organisation")
    date = c2.text_input(T("date"), key="imp_date", placeholder="2026-03-12")
    if org.strip():
        values["organisation"] = org
    if date.strip():
        values["date"] = date
    other = st.text_area(T("other"), key="imp_other", height=80, placeholder="interview_id=M01")
    values.update(parse_assignments([ln for ln in other.splitlines() if ln.strip()]))
    return values


def _options(attributes: dict[str, str]) -> importing.ImportOptions:
    manifest_file = st.file_uploader(T("manifest"), type=["csv", "txt"], key="imp_manifest")
    with st.expander(T("options")):
        replace = st.checkbox(T("replace"), key="imp_replace")
        pattern = st.text_input(T("pattern"), key="imp_pattern").strip() or None
        pseudo = st.checkbox(T("pseudo"), key="imp_pseudo")
        names = st.text_area(T("names"), key="imp_names", height=80) if pseudo else ""
        do_convert = st.checkbox(T("convert"), key="imp_convert") if convert.available() else False
    opts = importing.ImportOptions(attributes=attributes, replace=replace, speaker_pattern=pattern,
                                   imported_by=coder() or None, convert=do_convert, pseudonymise=pseudo)
    if manifest_file is not None:
        opts.manifest = importing.read_manifest_bytes(manifest_file.name, manifest_file.getvalue())
    if pseudo and names.strip():
        from ..pseudonymise import parse_name_list

        opts.name_list = parse_name_list(names)
    if pattern:
        importing.compile_speaker_pattern(pattern)
    return opts


def _report_table(reports: list[importing.ImportReport]) -> pd.DataFrame:
    return pd.DataFrame([{
        T("col_file"): r.path, T("col_status"): T(f"status_{r.status}"), T("col_name"): r.name,
        T("col_turns"): r.turns, T("col_speakers"): r.participants, T("col_words"): r.words,
        T("col_memos"): r.memos, T("col_stake"): r.attributes.get("stakeholder", ""), T("col_message"): r.message,
    } for r in reports])


def _show_report(reports: list[importing.ImportReport]) -> None:
    st.subheader(T("report"))
    counts = {"done": sum(r.status in ("imported", "replaced") for r in reports),
              "skipped": sum(r.status == "skipped" for r in reports),
              "failed": sum(r.status == "failed" for r in reports)}
    (st.error if counts["failed"] else st.success)(T("summary", **counts))
    st.dataframe(_report_table(reports), hide_index=True, width="stretch")
    for r in reports:
        if r.status == "failed":  # the whole reason and what to do, not cut off in a table cell
            st.error(esc_md(f"{r.path}: {r.message}"))
    for r in reports:
        if r.warnings:
            with st.expander(T("notes", file=esc_md(r.path))):
                for w in r.warnings:
                    st.text(w)  # plain text: nothing from a file is rendered as Markdown or HTML


def render() -> None:
    st.header(T("title"))
    types = TYPES + ([s.lstrip(".") for s in convert.CONVERT_SUFFIXES] if convert.available() else [])
    uploads = st.file_uploader(T("files"), type=types, accept_multiple_files=True, key="imp_files")
    st.subheader(T("attrs"))
    try:
        attributes = _attribute_inputs()
        opts = _options(attributes)
        error = None
    except (ValueError, importing.ImportRefused) as exc:  # bad key=value line, manifest or pattern
        opts, error = None, getattr(exc, "message", str(exc))
        st.error(esc_md(error))  # the message quotes what was typed or uploaded
    if st.button(T("import"), type="primary", disabled=opts is None, key="imp_go"):
        if not uploads:
            st.warning(T("none"))
        else:
            if opts.pseudonymise:
                with st.spinner(T("ner")):
                    opts.nlp = _ner_pipeline()
            bar = st.progress(0.0)

            def progress(done: int, total: int, label: str) -> None:
                bar.progress(done / total if total else 1.0,
                             text=T("progress", file=esc_md(Path(label).name), done=done, total=total)
                             if label else None)

            with nlp_turn:  # (one import parses at a time: the pipelines are shared by every session)
                st.session_state["imp_reports"] = importing.import_uploaded(
                    engine(), [(u.name, u.getvalue()) for u in uploads], opts, progress=progress)
    reports = st.session_state.get("imp_reports")
    if reports:
        _show_report(reports)
