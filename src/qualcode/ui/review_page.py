"""Review: read a transcript turn by turn and decide on its suggested codes.

A thin page over ``qualcode.review``: one batched read per run, a page of about 20 segments on
screen, every click written to the database at once. Each turn is a fragment: a decision in it
reruns that turn only (reading just its segments again), so a long transcript stays quick. The
comparison of coders and the adjudication live in ``compare_view`` (the "Compare" view).
"""

from __future__ import annotations

import streamlit as st

from .. import review
from . import compare_view, review_tools, segment_view
from .actions import show_flash
from .codes import code_set
from .history import render_history
from .i18n import Strings, current_lang
from .render import esc_md, turn_header
from .resources import blind, coder, engine

SEGMENTS_PER_PAGE = 20
FIRST_ATTRIBUTES = ("stakeholder", "organisation_type", "format", "interview_id", "date")
VIEWS = ("code", "compare")

T = Strings({
    "title": ("Review", "Koodaus"),
    "need_coder": ("Enter your name as coder in the sidebar to review.",
                   "Kirjoita nimesi koodaajaksi sivupalkkiin aloittaaksesi."),
    "no_transcripts": ("No transcripts yet: import DOCX files on the Import page or with `qualcode import`.",
                       "Ei vielä litteraatteja: tuo DOCX-tiedostoja Tuonti-sivulla tai komennolla `qualcode import`."),
    "transcript": ("Transcript", "Litteraatti"),
    "unsegmented": ("This transcript has no segments yet: run `qualcode tag` to segment and pre-tag it.",
                    "Litteraattia ei ole vielä jaettu segmentteihin: aja `qualcode tag`."),
    "no_codebook": ("No codebook in use yet: run `qualcode tag` first.",
                    "Koodikirjaa ei ole vielä käytössä: aja ensin `qualcode tag`."),
    "view": ("View", "Näkymä"),
    "view_code": ("Code", "Koodaa"),
    "view_compare": ("Compare coders", "Vertaa koodaajia"),
    "status": ("{pending} suggestions waiting · {segments} segments · {turns} turns",
               "{pending} ehdotusta odottaa · {segments} segmenttiä · {turns} puheenvuoroa"),
    "done_badge": ("You marked this transcript done.", "Merkitsit litteraatin valmiiksi."),
    "nothing_matches": ("No segment matches these filters.", "Mikään segmentti ei vastaa suodattimia."),
    "page": ("Page {page} of {pages}", "Sivu {page}/{pages}"),
    "next_page": ("Next page →", "Seuraava sivu →"),
    "continued": ("(continued)", "(jatkuu)"),
    "accept_turn": ("Accept ≥ {score} in this turn ({n})", "Hyväksy ≥ {score} tässä puheenvuorossa ({n})"),
    "interviewer": ("interviewer", "haastattelija"),
    "participant": ("participant", "osallistuja"),
})


def attribute_line(attributes: dict[str, str]) -> str:
    """The transcript's attributes, the ones used for matrices first; the title is shown on its own."""
    keys = [k for k in FIRST_ATTRIBUTES if k in attributes]
    keys += [k for k in attributes if k not in keys and k != "title"]
    return " · ".join(f"{k}: {attributes[k]}" for k in keys)


def role_label(role: str) -> str:
    return T(role) if role in ("interviewer", "participant") else role


def _accept_turn(tid: int, turn_index: int, segment_ids: list[int]) -> None:
    segment_view.mark_dirty(segment_ids)
    review_tools.accept_above(tid, turn_index)


@st.fragment
def _turn(data: review.ReviewData, sl: review.TurnSlice, codes, focus: int | None) -> None:
    """One turn (or its part on this page). Rerun alone after a decision in it, with its segments read
    again; the rest of the page keeps what it showed."""
    segments = sl.segments
    if segment_view.take_dirty(seg.id for seg in segments):
        segments = review.reload_segments(engine(), data.id, segments, coder(), blind=blind())
    turn = sl.turn
    head = turn_header(turn.speaker, role_label(turn.role), turn.timestamp, interviewer=turn.interviewer,
                       continued=T("continued") if sl.continued else "")
    score = review_tools.min_score()
    n_turn = sum(sg.score >= score for seg in segments for sg in seg.pending)
    if n_turn:
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        c1.html(head)
        c2.button(T("accept_turn", score=f"{score:.2f}", n=n_turn), key=f"acc-turn-{turn.index}-{sl.continued}",
                  on_click=_accept_turn, args=(data.id, turn.index, [seg.id for seg in segments]), type="tertiary")
    else:
        st.html(head)
    if not segments:
        st.html(segment_view.plain_turn(turn))
    for seg in segments:
        segment_view.render(seg, data, codes, interviewer=turn.interviewer, focus=seg.id == focus)


def _next_page(key: str) -> None:
    st.session_state[key] = st.session_state.get(key, 1) + 1


def _code_view(data: review.ReviewData, codes) -> None:
    segment_view.clear_dirty()  # this run read everything afresh
    review_tools.toolbar(data, codes)
    flt = review_tools.filters(data, codes)
    review_tools.transcript_memos(data)
    slices = review.filter_turns(data, flt)
    if not slices:
        st.info(T("nothing_matches"))
        return
    pages = review.paginate(slices, SEGMENTS_PER_PAGE)
    walk = review_tools.Walk(data.id, pages)
    review_tools.keyboard(walk)
    key = walk.page_key
    jump = st.session_state.pop("jump_to", None)  # "continue where you left off" on Transcripts
    if jump and jump[0] == data.id and jump[1] is not None and review.page_of(pages, jump[1]):
        st.session_state[key] = review.page_of(pages, jump[1])
        st.session_state[walk.focus_key] = jump[1]
    if st.session_state.get(key, 1) > len(pages):
        st.session_state[key] = len(pages)
    page = st.pagination(len(pages), key=key, persist_state="session") if len(pages) > 1 else 1
    st.caption(T("page", page=page, pages=len(pages)))
    focus = st.session_state.get(walk.focus_key)
    for sl in pages[page - 1]:
        _turn(data, sl, codes, focus)
    if page < len(pages):
        st.button(T("next_page"), key="next_page", on_click=_next_page, args=(key,))
    segment_view.dialog(data, codes)


def _view_switch(container) -> str:
    """Code or Compare; ``?view=compare`` in the address opens the comparison (links from Agreement)."""
    if "view" not in st.session_state and st.query_params.get("view") in VIEWS:
        st.session_state["view"] = st.query_params["view"]
    view = container.segmented_control(T("view"), VIEWS, key="view", default="code", required=True,
                                       format_func=lambda v: T(f"view_{v}")) or "code"
    if view == "compare":
        st.query_params["view"] = "compare"
    elif "view" in st.query_params:
        del st.query_params["view"]
    return view


def render() -> None:
    st.header(T("title"))
    show_flash()
    who = coder()
    if not who:
        st.info(T("need_coder"))
        return
    rows = review.transcript_names(engine())
    if not rows:
        st.info(T("no_transcripts"))
        return
    names = [name for _, name in rows]
    if st.session_state.get("transcript") not in names:
        st.session_state.pop("transcript", None)
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    name = c1.selectbox(T("transcript"), names, key="transcript", bind="query-params")
    view = _view_switch(c2)
    tid = rows[names.index(name)][0]
    codes = code_set(engine(), current_lang())
    data = review.load_review(engine(), tid, who, blind=blind())
    segments = sum(len(t.segments) for t in data.turns)
    if data.attributes.get("title"):
        st.markdown(f"**{esc_md(data.attributes['title'])}**")
    st.caption(esc_md(attribute_line(data.attributes)))
    st.caption(esc_md(T("status", pending=data.n_pending, segments=segments, turns=len(data.turns))))
    if data.done:
        st.caption(":material/task_alt: " + T("done_badge"))
    if not codes.ids:
        st.warning(T("no_codebook"))
    if not data.segmented:
        st.warning(T("unsegmented"))
    render_history(engine(), name)
    if view == "compare":
        compare_view.render(data, codes)
    else:
        _code_view(data, codes)
