"""Codebook: browse the codes in use (definitions, examples, usage), versions per transcript, file problems.

Editing stays in YAML under version control; this page reads. It shows the same validation
problems as `qualcode codebook validate` and, for a newer file, the diff and the command that
applies it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from ..codebook import DEFAULT_CODEBOOK
from ..codebook.diff import pattern_text
from ..codebook.overview import CodeEntry, codebook_files, codebook_overview, file_status
from .i18n import Strings, current_lang
from .model_panel import render_model_tab
from .render import chip, esc_html
from .resources import engine

T = Strings({
    "title": ("Codebook", "Koodikirja"),
    "tab_codes": ("Codes", "Koodit"),
    "tab_versions": ("Versions", "Versiot"),
    "tab_files": ("Files", "Tiedostot"),
    "tab_model": ("Suggestion model", "Ehdotusmalli"),
    "in_use": ("**{name} {version}**, in use since {at}", "**{name} {version}**, käytössä {at} alkaen"),
    "not_applied": ("No codebook version is recorded in this project yet; showing `{path}`. Run `qualcode tag` or "
                    "`qualcode codebook apply FILE`.",
                    "Projektiin ei ole vielä tallennettu koodikirjan versiota; näytetään `{path}`. Aja `qualcode tag` "
                    "tai `qualcode codebook apply TIEDOSTO`."),
    "no_codebook": ("No codebook found.", "Koodikirjaa ei löytynyt."),
    "edit_hint": ("Codes are edited in the YAML file; `qualcode codebook validate`, `diff` and `apply` check and "
                  "record a new version.",
                  "Koodeja muokataan YAML-tiedostossa; `qualcode codebook validate`, `diff` ja `apply` tarkistavat ja "
                  "ottavat uuden version käyttöön."),
    "search": ("Search codes", "Hae koodeja"),
    "show_retired": ("Show retired codes", "Näytä poistuneet koodit"),
    "col_code": ("Code", "Koodi"),
    "col_id": ("Id", "Tunniste"),
    "col_status": ("Status", "Tila"),
    "col_accepted": ("Accepted", "Hyväksytty"),
    "col_rejected": ("Rejected", "Hylätty"),
    "col_segments": ("Segments", "Segmentit"),
    "col_transcripts": ("Transcripts", "Haastattelut"),
    "col_suggested": ("Suggested now", "Ehdotettu nyt"),
    "col_review": ("To review", "Tarkistettavana"),
    "status_active": ("active", "käytössä"),
    "status_retired": ("retired", "poistunut"),
    "status_dropped": ("not in this version", "ei tässä versiossa"),
    "definition": ("Definition", "Määritelmä"),
    "inclusion": ("Use when", "Käytä kun"),
    "exclusion": ("Do not use when", "Älä käytä kun"),
    "examples": ("Examples", "Esimerkit"),
    "patterns": ("Lemma patterns", "Lemmahahmot"),
    "exclude_patterns": ("Exclusion patterns", "Poissulkevat hahmot"),
    "parent": ("Under", "Yläkoodi"),
    "renamed_from": ("Renamed from", "Nimetty uudelleen koodista"),
    "merged_from": ("Merged from", "Yhdistetty koodeista"),
    "split_from": ("Split from", "Jaettu koodista"),
    "usage": ("{accepted} accepted codings on {segments} segments in {transcripts} transcripts, {rejected} rejected, "
              "{suggested} suggestions in the current version, {needs_review} to review",
              "{accepted} hyväksyttyä koodausta {segments} segmentissä {transcripts} haastattelussa, {rejected} "
              "hylättyä, {suggested} ehdotusta nykyisessä versiossa, {needs_review} tarkistettavana"),
    "dropped_note": ("This code is not in the version in use; {n} codings made under an earlier version keep it.",
                     "Koodi ei ole käytössä olevassa versiossa; {n} aiemman version koodausta säilyttää sen."),
    "versions": ("Codebook versions", "Koodikirjan versiot"),
    "no_versions": ("No versions recorded yet.", "Versioita ei ole vielä tallennettu."),
    "col_version": ("Version", "Versio"),
    "col_applied": ("Applied", "Otettu käyttöön"),
    "col_current": ("In use", "Käytössä"),
    "col_changes": ("Changes", "Muutokset"),
    "col_migrated": ("Codings carried over", "Siirretyt koodaukset"),
    "col_source": ("File", "Tiedosto"),
    "per_transcript": ("Which version each transcript was tagged with", "Millä versiolla kukin haastattelu on "
                                                                         "esikoodattu"),
    "col_transcript": ("Transcript", "Haastattelu"),
    "col_tagged": ("Tagged under (segments)", "Esikoodattu versiolla (segmenttejä)"),
    "col_codings": ("Codings made under", "Koodaukset tehty versiolla"),
    "not_tagged": ("not tagged", "ei esikoodattu"),
    "files_intro": ("Codebook files in `{dir}`, checked as `qualcode codebook validate` checks them.",
                    "Koodikirjatiedostot hakemistossa `{dir}`, tarkistettu kuten `qualcode codebook validate`."),
    "other_file": ("Check another file", "Tarkista toinen tiedosto"),
    "no_files": ("No codebook files found.", "Koodikirjatiedostoja ei löytynyt."),
    "file_errors": ("{path}: {n} problem(s) to fix in the YAML file", "{path}: {n} korjattavaa ongelmaa "
                                                                      "YAML-tiedostossa"),
    "file_warnings": ("{n} warning(s)", "{n} varoitusta"),
    "state_in-use": ("{path}: valid, the version in use", "{path}: kelvollinen, käytössä oleva versio"),
    "state_unapplied": ("{path}: valid; no version is recorded in the project yet",
                        "{path}: kelvollinen; projektiin ei ole vielä tallennettu versiota"),
    "state_edited": ("{path}: changed since this version was applied, but its version number is the same: bump "
                     "`version` and add a changelog entry",
                     "{path}: muuttunut käyttöönoton jälkeen, mutta versionumero on sama: kasvata `version` ja "
                     "lisää muutoslokiin merkintä"),
    "state_newer": ("{path}: a newer version than the one in use. Preview with `qualcode codebook apply --dry-run "
                    "{path}`, then apply it:", "{path}: uudempi kuin käytössä oleva versio. Esikatsele komennolla "
                                               "`qualcode codebook apply --dry-run {path}` ja ota käyttöön:"),
    "state_older": ("{path}: an older version than the one in use", "{path}: vanhempi kuin käytössä oleva versio"),
    "state_other-codebook": ("{path}: a different codebook than the one this project uses",
                             "{path}: eri koodikirja kuin projektissa käytetty"),
    "what_changed": ("What changed", "Mitä muuttui"),
    "tab_review": ("To review ({n})", "Tarkistettavana ({n})"),
    "review_intro": ("Codings a codebook change flagged: a code was split (choose the part that fits on the Review "
                     "page), or a merge joined a coder's rejection with an acceptance. Deciding on the code again "
                     "clears the flag.",
                     "Koodikirjan muutoksen merkitsemät koodaukset: koodi jaettiin (valitse sopiva osa Koodaus-"
                     "sivulla) tai yhdistäminen yhdisti hylkäyksen ja hyväksynnän. Uusi päätös koodista poistaa "
                     "merkinnän."),
    "review_none": ("Nothing to review.", "Ei tarkistettavaa."),
    "col_segment": ("Segment", "Segmentti"),
    "col_text": ("Text", "Teksti"),
    "col_coder": ("Coder", "Koodaaja"),
    "col_reason": ("Why", "Miksi"),
    "yaml_only": ("Only .yaml and .yml files are codebooks.", "Vain .yaml- ja .yml-tiedostot ovat koodikirjoja."),
})


def _label(entry: CodeEntry) -> str:
    fi, en = entry.label
    return fi if current_lang() == "fi" else en


def _status(entry: CodeEntry) -> str:
    return T(f"status_{entry.status}")


def _table(entries: list[CodeEntry]) -> pd.DataFrame:
    rows = []
    for e in entries:
        rows.append({
            T("col_code"): "\u2003" * e.depth + _label(e),
            T("col_id"): e.id,
            T("col_status"): _status(e),
            T("col_accepted"): e.usage["accepted"],
            T("col_rejected"): e.usage["rejected"],
            T("col_segments"): e.usage["segments"],
            T("col_transcripts"): e.usage["transcripts"],
            T("col_suggested"): e.usage["suggested"],
            T("col_review"): e.usage["needs_review"],
        })
    return pd.DataFrame(rows)


def _items(title: str, items: list[str]) -> str:
    if not items:
        return ""
    lis = "".join(f"<li>{esc_html(x)}</li>" for x in items)
    return f"<div><b>{esc_html(title)}</b><ul style='margin:0 0 0.4em 0'>{lis}</ul></div>"


def _detail(entry: CodeEntry) -> None:
    code = entry.code
    usage = T("usage", **entry.usage)
    if code is None:
        st.html(f"<div>{chip(entry.id, '#777777', dim=True)}</div>"
                f"<p>{esc_html(T('dropped_note', n=entry.usage['accepted'] + entry.usage['rejected']))}</p>"
                f"<p><small>{esc_html(usage)}</small></p>")
        return
    lang = current_lang()
    other = "en" if lang == "fi" else "fi"
    parts = [f"<div>{chip(_label(entry), code.colour, dim=not code.is_active)} <code>{esc_html(code.id)}</code>"
             f" <small>{esc_html(getattr(code.label, other))}</small></div>",
             f"<p><b>{esc_html(T('definition'))}</b>: {esc_html(getattr(code.definition, lang).strip())}</p>"]
    if code.parent:
        parts.append(f"<p><b>{esc_html(T('parent'))}</b>: <code>{esc_html(code.parent)}</code></p>")
    for key in ("renamed_from", "merged_from"):
        if getattr(code, key):
            parts.append(f"<p><b>{esc_html(T(key))}</b>: {esc_html(', '.join(getattr(code, key)))}</p>")
    if code.split_from:
        parts.append(f"<p><b>{esc_html(T('split_from'))}</b>: {esc_html(code.split_from)}</p>")
    if code.migration_note:
        parts.append(f"<p><i>{esc_html(code.migration_note)}</i></p>")
    parts.append(_items(T("inclusion"), code.inclusion))
    parts.append(_items(T("exclusion"), code.exclusion))
    parts.append(_items(T("examples"), code.examples))
    parts.append(f"<p><small>{esc_html(usage)}</small></p>")
    st.html("".join(parts))
    if code.patterns or code.exclude_patterns:
        with st.popover(T("patterns")):
            st.html(_items(T("patterns"), [pattern_text(p) for p in code.patterns])
                    + _items(T("exclude_patterns"), [pattern_text(p) for p in code.exclude_patterns]))


def _codes_tab(view) -> None:
    if view.version:
        st.markdown(T("in_use", name=view.version["name"], version=view.version["version"],
                      at=view.version["applied_at"]))
    else:
        st.info(T("not_applied", path=view.source))
    st.caption(T("edit_hint"))
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    query = c1.text_input(T("search"), key="cb_search").strip().lower()
    show_retired = c2.checkbox(T("show_retired"), value=True, key="cb_retired")
    entries = [e for e in view.entries if show_retired or e.status == "active"]
    if query:
        def hit(e: CodeEntry) -> bool:
            text = " ".join([e.id, *e.label])
            if e.code is not None:
                text += " " + " ".join([e.code.definition.fi, e.code.definition.en, *e.code.examples])
            return query in text.lower()
        entries = [e for e in entries if hit(e)]
    st.dataframe(_table(entries), hide_index=True, width="stretch")
    for e in entries:
        title = "\u2003" * e.depth + f"{_label(e)} ({e.id})" + ("" if e.status == "active" else f" · {_status(e)}")
        with st.expander(title):
            _detail(e)


def _versions_tab(view) -> None:
    history = view.history
    st.subheader(T("versions"))
    if not history.get("versions"):
        st.info(T("no_versions"))
    else:
        st.dataframe(pd.DataFrame([{
            T("col_version"): f"{v['name']} {v['version']}",
            T("col_applied"): v["applied_at"],
            T("col_current"): "✓" if v["current"] else "",
            T("col_changes"): v["changes"],
            T("col_migrated"): ", ".join(f"{k}: {n}" for k, n in v["migrated"].items()),
            T("col_source"): v["source_path"] or "",
        } for v in history["versions"]]), hide_index=True, width="stretch")
    st.subheader(T("per_transcript"))
    if history.get("transcripts"):
        st.dataframe(pd.DataFrame([{
            T("col_transcript"): t["name"],
            T("col_segments"): t["segments"],
            T("col_tagged"): ", ".join(f"{ver} ({n})" for ver, n in t["tagged"].items()) or T("not_tagged"),
            T("col_codings"): ", ".join(f"{ver} ({n})" for ver, n in t["codings"].items()),
        } for t in history["transcripts"]]), hide_index=True, width="stretch")


def _file_report(path: Path) -> None:
    status = file_status(engine(), path)
    report = status.report
    if not report.ok:
        st.error(T("file_errors", path=str(path), n=len(report.errors)))
        st.code("\n".join(str(p) for p in report.problems), language=None, wrap_lines=True)
        return
    message = T(f"state_{status.state}", path=str(path))
    (st.success if status.state == "in-use" else st.info)(message)
    if status.state == "newer":
        st.code(f"qualcode codebook apply {path}", language="bash")
    if report.warnings:
        st.warning(T("file_warnings", n=len(report.warnings)))
        st.code("\n".join(str(p) for p in report.warnings), language=None, wrap_lines=True)
    if status.diff is not None:
        with st.expander(T("what_changed")):
            st.code(status.diff.render(), language=None, wrap_lines=True)


def _files_tab() -> None:
    folder = DEFAULT_CODEBOOK.parent
    st.caption(T("files_intro", dir=str(folder)))
    files = codebook_files(folder)
    if not files:
        st.info(T("no_files"))
    for path in files:
        _file_report(path)
    other = st.text_input(T("other_file"), key="cb_other", placeholder="codebooks/draft.yaml").strip()
    if other:
        if Path(other).suffix.lower() in (".yaml", ".yml"):
            _file_report(Path(other))
        else:
            st.error(T("yaml_only"))


def _review_tab(view) -> None:
    st.caption(T("review_intro"))
    if not view.flagged:
        st.info(T("review_none"))
        return
    st.dataframe(pd.DataFrame([{
        T("col_transcript"): f["transcript"],
        T("col_segment"): f["segment"] + 1,
        T("col_code"): f["code"],
        T("col_coder"): f["coder"],
        T("col_status"): f["status"],
        T("col_reason"): f["note"],
        T("col_text"): f["text"],
    } for f in view.flagged]), hide_index=True, width="stretch")


def render() -> None:
    st.header(T("title"))
    view = codebook_overview(engine())
    if view.book is None and not view.entries:
        st.warning(T("no_codebook"))
    codes, versions, review, files, model = st.tabs([T("tab_codes"), T("tab_versions"),
                                                     T("tab_review", n=len(view.flagged)), T("tab_files"),
                                                     T("tab_model")])
    with codes:
        _codes_tab(view)
    with versions:
        _versions_tab(view)
    with review:
        _review_tab(view)
    with files:
        _files_tab()
    with model:
        render_model_tab()
