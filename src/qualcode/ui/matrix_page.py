"""Matrices: codes by any attribute as a heat-mapped table; click a cell for the quotes behind
it. Co-occurrence and the framework matrix in their own tabs; every table downloadable."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import matrices as mx
from ..exports import MIME, build_report, render_report
from ..exports.plots import heatmap
from ..store.models import ADJUDICATED
from .i18n import Strings, current_lang
from .render import esc_html, esc_md
from .resources import engine

T = Strings({
    "title": ("Matrices", "Matriisit"),
    "by": ("Columns", "Sarakkeet"),
    "unit": ("Count", "Laske"),
    "status": ("Codings", "Koodaukset"),
    "whose": ("Whose codings", "Kenen koodaukset"),
    "any": ("any coder", "kuka tahansa koodaaja"),
    "adjudicated": ("adjudicated (agreed)", "sovittu koodaus"),
    "share": ("Shares (% of the group)", "Osuudet (% ryhmästä)"),
    "rollup": ("Roll sub-codes up into parents", "Alakoodit yläkoodeihin"),
    "accepted": ("accepted only", "vain hyväksytyt"),
    "all": ("accepted + open suggestions", "hyväksytyt + avoimet ehdotukset"),
    "segments": ("coded segments", "koodatut segmentit"),
    "words": ("words coded", "koodatut sanat"),
    "documents": ("transcripts mentioning", "maininneet litteraatit"),
    "participants": ("participants mentioning", "maininneet osallistujat"),
    "transcript": ("each transcript", "litteraateittain"),
    "participant": ("each participant", "osallistujittain"),
    "tab_theme": ("Theme matrix", "Teemamatriisi"),
    "tab_co": ("Co-occurrence", "Yhteisesiintyminen"),
    "tab_fw": ("Framework matrix", "Framework-matriisi"),
    "empty": ("No transcripts yet: import DOCX files with `qualcode import`.",
              "Ei vielä litteraatteja: tuo DOCX-tiedostot komennolla `qualcode import`."),
    "caption": ("Interviewer turns are not counted. The total row counts units with any code; "
                "click a cell to read the quotes behind it.",
                "Haastattelijan puheenvuoroja ei lasketa. Yhteensä-rivi laskee yksiköt, joilla on jokin koodi; "
                "napsauta solua nähdäksesi sitaatit."),
    "any_code": ("any code", "jokin koodi"),
    "pick_code": ("Pick a code's row to see its quotes.", "Valitse koodin rivi nähdäksesi sitaatit."),
    "quotes_head": ("{n} coded segments: {code} · {group}", "{n} koodattua segmenttiä: {code} · {group}"),
    "no_quotes": ("Nothing coded here.", "Ei koodauksia tässä."),
    "more": ("Showing the first {shown} of {n}.", "Näytetään {shown}/{n}."),
    "picture": ("Heat map picture", "Lämpökarttakuva"),
    "downloads": ("Download", "Lataa"),
    "co_on": ("Count pairs on", "Parit samassa"),
    "co_segments": ("the same segment", "segmentissä"),
    "co_turns": ("the same speaker turn", "puheenvuorossa"),
    "co_group": ("Group", "Ryhmä"),
    "co_all": ("all groups", "kaikki ryhmät"),
    "co_caption": ("The diagonal counts units carrying the code at all.",
                   "Lävistäjä laskee yksiköt, joilla koodi on."),
    "counting": ("Counting the codings of changed transcripts...", "Lasketaan muuttuneiden litteraattien koodauksia..."),
    "fw_rows": ("Rows", "Rivit"),
    "fw_transcripts": ("transcripts", "litteraatit"),
    "fw_participants": ("participants", "osallistujat"),
    "fw_quotes": ("Quotes per cell", "Sitaatteja solussa"),
    "fw_caption": ("Each cell: n coded segments, then representative quotes (speaker, turn).",
                   "Solussa: koodattujen segmenttien määrä ja edustavat sitaatit (puhuja, puheenvuoro)."),
})

QUOTES_SHOWN = 50


def _by_label(by: str) -> str:
    return T(by) if by in (mx.BY_TRANSCRIPT, mx.BY_PARTICIPANT) else by


def spec_controls(prefix: str) -> mx.MatrixSpec:
    """The matrix settings every page shares; widget keys start with ``prefix``."""
    eng = engine()
    c1, c2, c3, c4 = st.columns(4)
    by = c1.selectbox(T("by"), mx.attribute_choices(eng), key=f"{prefix}_by", format_func=_by_label)
    unit = c2.selectbox(T("unit"), mx.UNITS, key=f"{prefix}_unit", format_func=T)
    status = c3.selectbox(T("status"), mx.STATUSES, key=f"{prefix}_status", format_func=T)
    whose_options = ["", ADJUDICATED, *mx.coders(eng)]
    whose = c4.selectbox(T("whose"), whose_options, key=f"{prefix}_whose",
                         format_func=lambda c: T("any") if not c else T("adjudicated") if c == ADJUDICATED
                         else c)
    t1, t2 = st.columns(2)
    share = t1.toggle(T("share"), key=f"{prefix}_share")
    rollup = t2.toggle(T("rollup"), value=True, key=f"{prefix}_rollup")
    return mx.MatrixSpec(by=by, unit=unit, status=status, coder=whose or None, share=share, rollup=rollup,
                         total_row=True)


def _labels(spec: mx.MatrixSpec) -> dict[str, str]:
    ctx = mx.context(engine(), spec)
    return mx.code_labels(ctx.codebook, current_lang())


def _shown(frame: pd.DataFrame, labels: dict[str, str], depth: dict[str, int]) -> pd.DataFrame:
    """The frame with readable, indented row labels (positions stay those of ``frame``)."""
    shown = frame.copy()
    shown.index = ["\u00a0\u00a0\u00a0" * depth.get(c, 0) + (T("any_code") if c == mx.TOTAL else labels.get(c, c))
                   for c in frame.index]
    return shown


def _heat(shown: pd.DataFrame, share: bool):
    rows = list(shown.index[:-1])  # the last row is the any-code total
    cols = [c for c in shown.columns if c != mx.TOTAL]
    style = shown.style.format("{:.1f}" if share else "{:d}")
    if rows and cols:
        style = style.background_gradient(cmap="Blues", axis=None, subset=pd.IndexSlice[rows, cols])
    return style


def _quotes(spec: mx.MatrixSpec, code: str, group: str, labels: dict[str, str]) -> None:
    n, quotes = mx.cell_quotes(engine(), spec, code, group, limit=QUOTES_SHOWN)
    st.markdown("**" + esc_md(T("quotes_head", n=n, code=labels.get(code, code), group=group)) + "**")
    if not quotes:
        st.caption(T("no_quotes"))
    for q in quotes:
        st.html(f'<blockquote style="margin:0.3em 0;border-left:3px solid #4F81BD;padding-left:0.6em">'
                f'{esc_html(q.text)}<br><small style="color:#666">{esc_html(q.reference())}</small></blockquote>')
    if n > len(quotes):
        st.caption(T("more", shown=len(quotes), n=n))


def _downloads(spec: mx.MatrixSpec, table: str, stem: str) -> None:
    """Download buttons; each file is made only when its button is clicked."""
    eng, lang = engine(), current_lang()

    def make(fmt: str):
        def build() -> bytes:
            parts = ("counts", "shares") if fmt in ("xlsx", "md", "docx") else ("counts", "shares", "cooccurrence")
            return render_report(build_report(eng, spec, lang=lang, parts=parts), fmt, table)
        return build

    cols = st.columns(6)
    for col, fmt in zip(cols, ("csv", "xlsx", "md", "docx", "png", "svg")):
        col.download_button(f"{T('downloads')} {fmt.upper()}", make(fmt), file_name=f"{stem}.{fmt}",
                            mime=MIME[fmt], key=f"dl_{stem}_{fmt}", width="stretch")


def _theme_tab(spec: mx.MatrixSpec, labels: dict[str, str]) -> None:
    full = mx.theme_matrix_full(engine(), spec)
    frame = full.frame()
    shown = _shown(frame, labels, full.depth)
    key = f"m_cells_{spec.by}_{spec.unit}_{spec.status}_{spec.coder}_{spec.share}_{spec.rollup}"
    event = st.dataframe(_heat(shown, spec.share), on_select="rerun", selection_mode="single-cell", key=key,
                         width="stretch")
    st.caption(T("caption"))
    cells = event.selection.cells if event is not None else []
    if cells:
        row, column = cells[0]
        code = frame.index[row]
        if code == mx.TOTAL:
            st.info(T("pick_code"))
        else:
            _quotes(spec, code, str(column), labels)
    with st.expander(T("picture")):
        heat = frame.drop(index=[mx.TOTAL], columns=[mx.TOTAL], errors="ignore")
        st.image(heatmap(heat, "png", labels={c: labels.get(c, c) for c in heat.index}, percent=spec.share))
    _downloads(spec, "shares" if spec.share else "counts", f"matrix_{spec.by}")


def _co_tab(spec: mx.MatrixSpec, labels: dict[str, str]) -> None:
    c1, c2 = st.columns(2)
    unit = c1.radio(T("co_on"), mx.CO_UNITS, key="m_co_unit", horizontal=True,
                    format_func=lambda u: T(f"co_{u}"))
    co = mx.cooccurrence(engine(), spec, unit)
    groups = [mx.TOTAL, *co.by_group]
    group = c2.selectbox(T("co_group"), groups, key="m_co_group",
                         format_func=lambda g: T("co_all") if g == mx.TOTAL else g)
    frame = co.frames()[group]
    shown = _shown(frame, labels, co.depth)
    shown.columns = [labels.get(c, c) for c in frame.columns]
    style = shown.style.background_gradient(cmap="Blues", axis=None) if len(shown) else shown.style
    st.dataframe(style, width="stretch")
    st.caption(T("co_caption"))
    table = f"cooccurrence_{unit}" + ("" if group == mx.TOTAL else f"_{group}")
    _downloads(spec, table, table)


def _framework_tab(spec: mx.MatrixSpec, labels: dict[str, str]) -> None:
    c1, c2 = st.columns(2)
    rows = c1.radio(T("fw_rows"), mx.ROW_KINDS, key="m_fw_rows", horizontal=True,
                    format_func=lambda r: T(f"fw_{r}"))
    n = c2.number_input(T("fw_quotes"), 0, 10, 2, key="m_fw_quotes")
    fw = mx.framework_matrix(engine(), spec, rows, int(n))
    st.dataframe(fw.to_frame(labels), width="stretch", row_height=120)
    st.caption(T("fw_caption"))


def render() -> None:
    st.header(T("title"))
    if not _has_transcripts():
        st.info(T("empty"))
        return
    _prepare_counts()
    spec = spec_controls("m")
    labels = _labels(spec)
    # Only the open tab is computed (the framework matrix reads every quote: seconds on a big project).
    theme, co, fw = st.tabs([T("tab_theme"), T("tab_co"), T("tab_fw")], key="m_tab", on_change="rerun")
    if theme.open is not False:
        with theme:
            _theme_tab(spec, labels)
    if co.open:
        with co:
            _co_tab(spec, labels)
    if fw.open:
        with fw:
            _framework_tab(spec, labels)


def _prepare_counts() -> None:
    """After an import or a codebook change, recount the changed transcripts with a progress bar."""
    eng = engine()
    if mx.stale_transcripts(eng) <= mx.BIG_REFRESH:
        return
    bar = st.progress(0.0, text=T("counting"))
    mx.prepare_counts(eng, lambda done, total, _label="": bar.progress(done / max(total, 1), text=T("counting")))
    bar.empty()


def _has_transcripts() -> bool:
    from ..review import transcript_list

    return bool(transcript_list(engine()))
