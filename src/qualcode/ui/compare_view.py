"""The "Compare coders" view of the Review page: where coders differ, and the adjudicated coding.

Blind coding keeps this view closed until the coder has marked the transcript done. The agreed
codes are saved as the adjudicated pseudo-coder's codings, with the adjudicator in the audit log.
"""

from __future__ import annotations

import streamlit as st

from .. import comparison, review
from .actions import safely
from .i18n import Strings
from .render import chip, esc_html, esc_md
from .resources import blind, coder, engine

PER_PAGE = 15

T = Strings({
    "locked": ("Blind coding: other coders' codings stay hidden until you mark this transcript done.",
               "Sokkokoodaus: muiden koodaukset pysyvät piilossa, kunnes merkitset litteraatin valmiiksi."),
    "coders": ("Coders to compare", "Verrattavat koodaajat"),
    "linked": ("The segment you opened from the Agreement page:", "Segmentti, jonka avasit Yhtäpitävyys-sivulta:"),
    "need_two": ("Comparing needs at least two coders who have coded this transcript.",
                 "Vertailuun tarvitaan vähintään kaksi koodaajaa, jotka ovat koodanneet litteraatin."),
    "done_by": ("Marked done by: {names}", "Valmiiksi merkinneet: {names}"),
    "nobody": ("nobody yet", "ei vielä kukaan"),
    "coded": ("Segments coded", "Koodattuja segmenttejä"),
    "differ": ("Coders differ", "Koodaajat eroavat"),
    "open": ("Not yet adjudicated", "Ratkaisematta"),
    "only_diff": ("Only where coders differ", "Vain erot"),
    "adopt": ("Adopt every unanimous coding ({n})", "Hyväksy kaikki yksimieliset koodaukset ({n})"),
    "adopt_help": ("Record the agreed coding for every segment where the compared coders agree "
                   "(one undoable action).",
                   "Tallenna sovittu koodaus jokaiseen segmenttiin, jossa verratut koodaajat ovat yhtä mieltä "
                   "(yksi kumottava toiminto)."),
    "adopted": ("Recorded the agreed coding of {n} segment(s).", "Tallennettiin {n} segmentin sovittu koodaus."),
    "agreed": ("Agreed codes", "Sovitut koodit"),
    "save": ("Save agreed coding", "Tallenna sovittu koodaus"),
    "saved": ("Agreed coding saved.", "Sovittu koodaus tallennettu."),
    "adjudicated": ("agreed:", "sovittu:"),
    "none": ("(no code)", "(ei koodia)"),
    "nothing": ("Nothing to show: no segment matches.", "Ei näytettävää."),
    "page": ("Page {page} of {pages}", "Sivu {page}/{pages}"),
})


def _adjudicate(segment_id: int, considered: list[str]) -> None:
    codes = st.session_state.get(f"adj-{segment_id}") or []
    safely(comparison.adjudicate, engine(), segment_id, codes, coder(), considered, ok=T("saved"))


def _adopt(tid: int, coders: list[str]) -> None:
    safely(comparison.adopt_agreed, engine(), tid, coder(), coders, ok=T("adopted"))


def _segment(sc: comparison.SegmentComparison, codes) -> None:
    left, right = st.columns([3, 2], vertical_alignment="top")
    rows = [f'<div><b>{esc_html(sc.speaker)}</b>: {esc_html(sc.text)}</div>']
    for who, theirs in sc.by_coder.items():
        cells = "".join(chip(codes.label(c), codes.colour(c), dim=c in sc.agreed) for c in sorted(theirs))
        rows.append(f'<div style="margin-top:0.2em;font-size:0.9em">{esc_html(who)}: {cells or esc_html(T("none"))}'
                    '</div>')
    if sc.adjudicated is not None:
        cells = "".join(chip(codes.label(c), codes.colour(c)) for c in sorted(sc.adjudicated))
        rows.append(f'<div style="margin-top:0.2em">✓ <b>{esc_html(T("adjudicated"))}</b> '
                    f'{cells or esc_html(T("none"))}</div>')
    left.html("".join(rows))
    with right:
        options = [c for c in codes.ids]
        options += sorted(c for c in sc.union | (sc.adjudicated or set()) if c not in options)
        default = sorted(sc.adjudicated) if sc.adjudicated is not None else sorted(sc.agreed)
        key = f"adj-{sc.segment_id}"
        if key not in st.session_state:
            st.session_state[key] = default
        st.multiselect(T("agreed"), options, key=key, format_func=codes.label)
        st.button(T("save"), key=f"adj-save-{sc.segment_id}", on_click=_adjudicate,
                  args=(sc.segment_id, sorted(sc.union)))


def _linked(segments: list) -> comparison.SegmentComparison | None:
    """The segment named by ``?segment=ID`` in the address, if this comparison holds it."""
    wanted = st.query_params.get("segment", "")
    return next((sc for sc in segments if str(sc.segment_id) == wanted), None) if wanted.isdigit() else None


def render(data: review.ReviewData, codes) -> None:
    if blind() and not data.done:
        st.info(T("locked"))
        return
    everyone = comparison.coders_of(engine(), data.id)
    chosen = st.multiselect(T("coders"), everyone, default=everyone, key=f"cmp-coders-{data.id}")
    cmp = comparison.compare(engine(), data.id, chosen)
    st.caption(esc_md(T("done_by", names=", ".join(cmp.done) or T("nobody"))))
    if len(cmp.coders) < 2:
        st.info(T("need_two"))
        return
    m1, m2, m3 = st.columns(3)
    m1.metric(T("coded"), len(cmp.segments))
    m2.metric(T("differ"), len(cmp.disagreements))
    m3.metric(T("open"), len(cmp.open))
    unanimous = sum(1 for sc in cmp.segments if not sc.differs and sc.adjudicated is None and sc.agreed)
    c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
    only = c1.toggle(T("only_diff"), value=True, key="cmp-only-diff")
    c2.button(T("adopt", n=unanimous), key="cmp-adopt", on_click=_adopt, args=(data.id, cmp.coders),
              disabled=unanimous == 0, help=T("adopt_help"))
    shown = cmp.disagreements if only else cmp.segments
    linked = _linked(cmp.segments)
    if linked is not None:  # opened from a link on the Agreement page: that segment first
        with st.container(border=True):
            st.caption(T("linked"))
            _segment(linked, codes)
        shown = [sc for sc in shown if sc.segment_id != linked.segment_id]
    if not shown:
        st.info(T("nothing"))
        return
    pages = max(1, -(-len(shown) // PER_PAGE))
    key = f"cmp-page-{data.id}"
    if st.session_state.get(key, 1) > pages:
        st.session_state[key] = pages
    page = st.pagination(pages, key=key) if pages > 1 else 1
    st.caption(T("page", page=page, pages=pages))
    for sc in shown[(page - 1) * PER_PAGE: page * PER_PAGE]:
        st.divider()
        _segment(sc, codes)
