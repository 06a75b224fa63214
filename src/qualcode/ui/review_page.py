"""Review: read a transcript turn by turn, accept or reject suggestions, add codes."""

from __future__ import annotations

import streamlit as st

from .. import review
from .render import chip, esc_html
from .resources import coder, engine

TURNS_PER_PAGE = 25


def _act(fn, segment_id: int, code: str) -> None:
    fn(engine(), segment_id, code, coder())


def _segment(seg: review.SegmentView, codes: dict, labels: dict, interviewer: bool) -> None:
    text_col, act_col = st.columns([3, 2], vertical_alignment="top")
    with text_col:
        badges = "".join(chip(labels.get(c, c), codes.get(c, "#777777")) for c in seg.accepted)
        style = "color:#888" if interviewer else ""
        st.html(f'<div style="{style}">{esc_html(seg.text)}</div><div>{badges}</div>')
    with act_col:
        for sg in seg.pending:
            c1, c2 = st.columns([4, 1])
            c1.button(f"✓ {labels.get(sg.code, sg.code)} {sg.score:.2f}", key=f"acc-{seg.id}-{sg.code}",
                      help=sg.reason, on_click=_act, args=(review.accept, seg.id, sg.code), width="stretch")
            c2.button("✗", key=f"rej-{seg.id}-{sg.code}", help=f"Reject: {sg.reason}",
                      on_click=_act, args=(review.reject, seg.id, sg.code))
        for code in seg.accepted:
            st.button(f"− {labels.get(code, code)}", key=f"rm-{seg.id}-{code}", help="Remove this code",
                      on_click=_act, args=(review.remove_code, seg.id, code))
        with st.popover("＋ code", width="stretch"):
            options = [c for c in codes if c not in seg.accepted]
            choice = st.selectbox("Code", options, key=f"pick-{seg.id}", format_func=lambda c: labels.get(c, c))
            st.button("Add", key=f"add-{seg.id}", on_click=_act, args=(review.add_code, seg.id, choice),
                      disabled=choice is None)


def render() -> None:
    st.header("Review")
    if not coder():
        st.info("Enter your name as coder in the sidebar to review.")
        return
    rows = review.transcript_list(engine())
    if not rows:
        st.info("No transcripts yet: import DOCX files with `qualcode import` (or on the Import page).")
        return
    names = [r["name"] for r in rows]
    name = st.selectbox("Transcript", names, key="review_transcript")
    row = rows[names.index(name)]
    book = review.codebook_in_use(engine())
    codes = {c.id: c.colour for c in book.active_codes} if book else {}
    labels = {c.id: c.label.en for c in book.active_codes} if book else {}
    transcript, turns = review.transcript_view(engine(), row["id"], coder())
    st.caption(" · ".join(f"{k}: {v}" for k, v in transcript.attribute_map().items()))
    if not any(t.segments for t in turns):
        st.warning("This transcript has no segments yet: run `qualcode tag` to segment and pre-tag it.")
    pages = max(1, -(-len(turns) // TURNS_PER_PAGE))
    page = st.number_input("Page", 1, pages, 1, key=f"page-{name}") if pages > 1 else 1
    for turn in turns[(page - 1) * TURNS_PER_PAGE: page * TURNS_PER_PAGE]:
        interviewer = turn.role == "interviewer"
        ts = f" [{esc_html(turn.timestamp)}]" if turn.timestamp else ""
        colour = "#888" if interviewer else "#000"
        st.html(f'<div style="margin-top:0.6em;color:{colour}"><b>{esc_html(turn.speaker)}</b>'
                f' <small>({esc_html(turn.role)}){ts}</small></div>')
        if not turn.segments:
            st.html(f'<div style="color:#888">{esc_html(turn.text)}</div>')
        for seg in turn.segments:
            _segment(seg, codes, labels, interviewer)
