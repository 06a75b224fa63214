"""Export: the analysis as an XLSX workbook, a DOCX report, Markdown, one table as CSV or a
heat map (PNG, SVG), and the project or codebook for other QDA software (REFI-QDA)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from .. import exports
from ..matrices import ROW_KINDS
from .i18n import Strings, current_lang
from .matrix_page import spec_controls
from .resources import engine

T = Strings({
    "title": ("Export", "Vienti"),
    "what": ("What to export", "Mitä viedään"),
    "xlsx": ("XLSX workbook: method sheet + a sheet per matrix", "XLSX-työkirja: menetelmä + taulukko per matriisi"),
    "docx": ("DOCX report: tables, heat maps, framework quotes", "DOCX-raportti: taulukot, lämpökartat, sitaatit"),
    "md": ("Markdown report", "Markdown-raportti"),
    "csv": ("One table as CSV", "Yksi taulukko CSV:nä"),
    "png": ("One heat map as PNG", "Yksi lämpökartta PNG:nä"),
    "svg": ("One heat map as SVG", "Yksi lämpökartta SVG:nä"),
    "qdpx": ("REFI-QDA project (.qdpx)", "REFI-QDA-projekti (.qdpx)"),
    "qdc": ("REFI-QDA codebook (.qdc)", "REFI-QDA-koodikirja (.qdc)"),
    "parts": ("Include", "Mukaan"),
    "counts": ("counts", "määrät"),
    "shares": ("shares", "osuudet"),
    "documents": ("transcripts mentioning", "maininneet litteraatit"),
    "documents_shares": ("transcripts mentioning, %", "maininneet litteraatit, %"),
    "cooccurrence": ("co-occurrence", "yhteisesiintyminen"),
    "cooccurrence_segments": ("co-occurrence on segments", "yhteisesiintyminen segmenteissä"),
    "cooccurrence_turns": ("co-occurrence in turns", "yhteisesiintyminen puheenvuoroissa"),
    "framework": ("framework matrix (quotes)", "framework-matriisi (sitaatit)"),
    "table": ("Table", "Taulukko"),
    "rows": ("Framework rows", "Framework-rivit"),
    "transcripts": ("transcripts", "litteraatit"),
    "participants": ("participants", "osallistujat"),
    "quotes": ("Quotes per cell", "Sitaatteja solussa"),
    "data_date": ("Date from the data (latest change)", "Päiväys aineistosta (viimeisin muutos)"),
    "date": ("Date written into the file", "Tiedostoon kirjattava päiväys"),
    "download": ("Download {name}", "Lataa {name}"),
    "prepare": ("Prepare {name}", "Valmistele {name}"),
    "same_bytes": ("The same data and settings always give the same file.",
                   "Sama aineisto ja asetukset tuottavat aina saman tiedoston."),
})

REPORT_FORMATS = ("xlsx", "docx", "md")
TABLES = ("counts", "shares", "documents", "documents_shares", "cooccurrence_segments", "cooccurrence_turns",
          "framework")


def _refi(fmt: str) -> None:
    name = f"qualcode.{fmt}"
    if st.button(T("prepare", name=name), key=f"x_prepare_{fmt}"):
        try:
            st.session_state[f"x_refi_{fmt}"] = exports.refi_bytes(engine(), fmt)
        except NotImplementedError as exc:
            st.session_state.pop(f"x_refi_{fmt}", None)
            st.info(str(exc))
    data = st.session_state.get(f"x_refi_{fmt}")
    if data:
        st.download_button(T("download", name=name), data, file_name=name, mime="application/zip"
                           if fmt == "qdpx" else "application/xml", key=f"x_dl_{fmt}")


def render() -> None:
    st.header(T("title"))
    fmt = st.radio(T("what"), exports.FORMATS + ("qdpx", "qdc"), format_func=T, key="x_fmt")
    if fmt in ("qdpx", "qdc"):
        _refi(fmt)
        return
    spec = spec_controls("x")
    parts, table = exports.PARTS, "counts"
    if fmt in REPORT_FORMATS:
        parts = tuple(st.multiselect(T("parts"), exports.PARTS, default=list(exports.PARTS), format_func=T,
                                     key="x_parts")) or ("counts",)
    else:
        choices = TABLES if fmt == "csv" else TABLES[:-1]
        table = st.selectbox(T("table"), choices, format_func=T, key="x_table")
        parts = (exports.part_of(table),)
    c1, c2 = st.columns(2)
    rows = c1.radio(T("rows"), ROW_KINDS, format_func=T, horizontal=True, key="x_rows")
    quotes = c2.number_input(T("quotes"), 0, 20, 3, key="x_quotes")
    when = None
    if not st.toggle(T("data_date"), value=True, key="x_data_date"):
        when = st.date_input(T("date"), value=date.today(), key="x_date")
    eng, lang = engine(), current_lang()

    def build() -> bytes:
        report = exports.build_report(eng, spec, when=when, lang=lang, parts=parts, framework_rows=rows,
                                      quotes_per_cell=int(quotes))
        return exports.render_report(report, fmt, table)

    stem = f"qualcode_{spec.by}" + ("" if fmt in REPORT_FORMATS else f"_{table}")
    st.download_button(T("download", name=f"{stem}.{fmt}"), build, file_name=f"{stem}.{fmt}",
                       mime=exports.MIME[fmt], key="x_download", type="primary")
    st.caption(T("same_bytes"))
