"""One segment on the Review page: its text and codes on the left, the coder's actions on the right."""

from __future__ import annotations

import streamlit as st

from .. import review
from .actions import FAILED, safely
from .i18n import Strings
from .render import chip, esc_html, esc_md, segment_block
from .resources import coder, engine

T = Strings({
    "accept_help": ("Accept {code}. Why: {reason}", "Hyväksy {code}. Peruste: {reason}"),
    "reject_help": ("Reject {code}", "Hylkää {code}"),
    "remove_help": ("Remove {code} from this segment", "Poista {code} tästä segmentistä"),
    "add": ("Code", "Koodi"),
    "add_help": ("Add a code by hand (search by name or definition)",
                 "Lisää koodi käsin (hae nimellä tai määritelmällä)"),
    "pick": ("Code", "Koodi"),
    "search": ("Type to search…", "Kirjoita hakeaksesi…"),
    "add_button": ("Add", "Lisää"),
    "include": ("Use when: {text}", "Käytä kun: {text}"),
    "exclude": ("Not when: {text}", "Ei kun: {text}"),
    "memo": ("Memo", "Muistio"),
    "memo_n": ("Memo ({n})", "Muistio ({n})"),
    "memo_help": ("Memos on this segment", "Tämän segmentin muistiinpanot"),
    "memo_text": ("Memo", "Muistiinpano"),
    "save": ("Save memo", "Tallenna"),
    "memo_saved": ("Memo saved.", "Muistiinpano tallennettu."),
    "added": ("Added {code}.", "Lisättiin {code}."),
    "others": ("{coder}:", "{coder}:"),
    "delete": ("Delete", "Poista"),
})


def touched(transcript_id: int, segment_id: int) -> None:
    """Remember a segment decided in this session, so "only waiting" does not hide it at once."""
    st.session_state.setdefault(f"touched-{transcript_id}", set()).add(segment_id)


def _decide(fn, transcript_id: int, segment_id: int, code: str) -> None:
    touched(transcript_id, segment_id)
    safely(fn, engine(), segment_id, code, coder())


def _add(transcript_id: int, segment_id: int, label_of: dict[str, str]) -> None:
    touched(transcript_id, segment_id)
    code = st.session_state.get(f"pick-{segment_id}")
    if safely(review.add_code, engine(), segment_id, code, coder(),
              ok=T("added", code=label_of.get(code, code or ""))) is not FAILED:
        st.session_state[f"pick-{segment_id}"] = None


def _save_memo(transcript_id: int, segment_id: int) -> None:
    key = f"memo-{segment_id}"
    if safely(review.add_memo, engine(), transcript_id, coder(), st.session_state.get(key, ""), segment_id,
              ok=T("memo_saved")) is not FAILED:
        st.session_state[key] = ""


def _delete_memo(memo_id: int) -> None:
    safely(review.delete_memo, engine(), memo_id, coder())


def plain_turn(turn: review.TurnView) -> str:
    colour = "color:#8a8a8a;" if turn.interviewer else ""
    return f'<div style="{colour}padding-left:calc(0.5em + 3px)">{esc_html(turn.text)}</div>'


def _left_html(seg: review.SegmentView, codes, interviewer: bool, focus: bool) -> str:
    chips = [chip(codes.label(c), codes.colour(c)) for c in seg.accepted]
    chips += [chip(codes.label(c), codes.colour(c), dim=True, struck=True) for c in seg.rejected]
    others = []
    for who, their in sorted(seg.others.items()):
        others.append(f'<span style="margin-right:0.3em">{esc_html(T("others", coder=who))}</span>')
        others += [chip(codes.label(c), codes.colour(c), dim=True) for c in their]
    memos = [f"{m.coder}: {m.text}" for m in seg.memos]
    return segment_block(seg.text, interviewer=interviewer, chips=chips, others=others, memos=memos, focus=focus)


def render(seg: review.SegmentView, data: review.ReviewData, codes, *, interviewer: bool, focus: bool) -> None:
    left, right = st.columns([3, 2], vertical_alignment="top")
    left.html(_left_html(seg, codes, interviewer, focus))
    with right:
        for sg in seg.pending:
            label = codes.label(sg.code)
            with st.container(horizontal=True, gap="small", vertical_alignment="center"):
                st.button(f"✓ {esc_md(label)} · {sg.score:.2f}", key=f"acc-{seg.id}-{sg.code}",
                          help=esc_md(T("accept_help", code=label, reason=sg.reason)),
                          on_click=_decide, args=(review.accept, data.id, seg.id, sg.code))
                st.button("✗", key=f"rej-{seg.id}-{sg.code}", help=esc_md(T("reject_help", code=label)),
                          on_click=_decide, args=(review.reject, data.id, seg.id, sg.code))
                st.caption(esc_md(sg.reason))
        with st.container(horizontal=True, gap="small"):
            for code in seg.accepted:
                st.button(f"✕ {esc_md(codes.label(code))}", key=f"rm-{seg.id}-{code}", type="tertiary",
                          help=esc_md(T("remove_help", code=codes.label(code))),
                          on_click=_decide, args=(review.remove_code, data.id, seg.id, code))
            _picker(seg, data, codes)
            _memo(seg, data)


def _picker(seg: review.SegmentView, data: review.ReviewData, codes) -> None:
    with st.popover(T("add"), help=T("add_help"), icon=":material/add:", type="tertiary"):
        options = [c for c in codes.ids if c not in seg.accepted]
        choice = st.selectbox(T("pick"), options, index=None, key=f"pick-{seg.id}", placeholder=T("search"),
                              format_func=codes.option)
        if choice:
            st.caption(esc_md(codes.definitions.get(choice, "")))
            for text in codes.inclusion.get(choice, [])[:3]:
                st.caption(esc_md(T("include", text=text)))
            for text in codes.exclusion.get(choice, [])[:2]:
                st.caption(esc_md(T("exclude", text=text)))
        st.button(T("add_button"), key=f"add-{seg.id}", on_click=_add, args=(data.id, seg.id, codes.labels),
                  disabled=choice is None, type="primary")


def _memo(seg: review.SegmentView, data: review.ReviewData) -> None:
    label = T("memo_n", n=len(seg.memos)) if seg.memos else T("memo")
    with st.popover(label, help=T("memo_help"), icon=":material/edit_note:", type="tertiary"):
        for m in seg.memos:
            st.caption(f"{esc_md(m.coder)}: {esc_md(m.text)}")
            if m.coder == data.coder and m.origin == "manual":
                st.button(T("delete"), key=f"del-memo-{m.id}", on_click=_delete_memo, args=(m.id,), type="tertiary")
        st.text_area(T("memo_text"), key=f"memo-{seg.id}", height=80)
        st.button(T("save"), key=f"save-memo-{seg.id}", on_click=_save_memo, args=(data.id, seg.id))
