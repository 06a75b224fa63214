"""One segment on the Review page: its text and codes on the left, the coder's actions on the right."""

from __future__ import annotations

import streamlit as st

from .. import review
from .actions import FAILED, learn_from, safely
from .i18n import Strings
from .render import chip, esc_html, esc_md, segment_block
from .resources import coder, engine

T = Strings({
    "accept_help": ("Accept {code}. Why: {reason}", "Hyväksy {code}. Peruste: {reason}"),
    "reject_help": ("Reject {code}", "Hylkää {code}"),
    "remove_help": ("Remove {code} from this segment", "Poista {code} tästä segmentistä"),
    "add": ("Code", "Koodi"),
    "add_title": ("Add a code", "Lisää koodi"),
    "memo_title": ("Memos on this segment", "Segmentin muistiinpanot"),
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


_DIRTY = "qc_dirty"


def mark_dirty(segment_ids) -> None:
    """Segments changed by a click in their turn: the turn's fragment reads them again."""
    st.session_state.setdefault(_DIRTY, set()).update(segment_ids)


def take_dirty(segment_ids) -> bool:
    dirty = st.session_state.get(_DIRTY)
    if not dirty:
        return False
    ids = set(segment_ids)
    found = bool(dirty & ids)
    dirty -= ids
    return found


def clear_dirty() -> None:
    st.session_state.pop(_DIRTY, None)


def _decide(fn, transcript_id: int, segment_id: int, code: str) -> None:
    touched(transcript_id, segment_id)
    mark_dirty([segment_id])
    learn_from(fn, engine(), segment_id, code, coder())


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
            # Dialogs open from the whole page's run (a click here reruns only the turn, so rerun the app).
            if st.button(T("add"), key=f"open-add-{seg.id}", help=T("add_help"), icon=":material/add:",
                         type="tertiary"):
                _open("code", seg.id)
                st.rerun(scope="app")
            label = T("memo_n", n=len(seg.memos)) if seg.memos else T("memo")
            if st.button(label, key=f"open-memo-{seg.id}", help=T("memo_help"), icon=":material/edit_note:",
                         type="tertiary"):
                _open("memo", seg.id)
                st.rerun(scope="app")


# --- the dialogs: one picker or memo editor at a time, rendered only while open ----------------

_DIALOG = "qc_dialog"


def _open(kind: str, segment_id: int) -> None:
    st.session_state[_DIALOG] = (kind, segment_id)


def _close() -> None:
    st.session_state.pop(_DIALOG, None)


def dialog(data: review.ReviewData, codes) -> None:
    """Show the open dialog (add a code, or memos) for a segment of this page, if any."""
    state = st.session_state.get(_DIALOG)
    if not state:
        return
    kind, segment_id = state
    seg = next((s for s in data.segments() if s.id == segment_id), None)
    if seg is None:  # another transcript was chosen meanwhile
        _close()
        return
    if kind == "code":
        st.dialog(T("add_title"), width="medium", on_dismiss=_close)(_add_body)(seg, data, codes)
    else:
        st.dialog(T("memo_title"), width="medium", on_dismiss=_close)(_memo_body)(seg, data)


def _context(seg: review.SegmentView) -> None:
    st.html(f'<div style="border-left:3px solid #ccc;padding-left:0.5em;color:#444">'
            f'<b>{esc_html(seg.speaker)}</b>: {esc_html(seg.text)}</div>')


def _add_body(seg: review.SegmentView, data: review.ReviewData, codes) -> None:
    _context(seg)
    options = [c for c in codes.ids if c not in seg.accepted]
    choice = st.selectbox(T("pick"), options, index=None, key=f"pick-{seg.id}", placeholder=T("search"),
                          format_func=codes.option)
    if choice:
        st.markdown(esc_md(codes.definitions.get(choice, "")))
        for text in codes.inclusion.get(choice, [])[:3]:
            st.caption(esc_md(T("include", text=text)))
        for text in codes.exclusion.get(choice, [])[:2]:
            st.caption(esc_md(T("exclude", text=text)))
    if st.button(T("add_button"), key=f"add-{seg.id}", disabled=choice is None, type="primary"):
        touched(data.id, seg.id)
        if learn_from(review.add_code, engine(), seg.id, choice, coder(),
                  ok=T("added", code=codes.label(choice))) is not FAILED:
            st.session_state.pop(f"pick-{seg.id}", None)
        _close()
        st.rerun()


def _memo_body(seg: review.SegmentView, data: review.ReviewData) -> None:
    _context(seg)
    for m in seg.memos:
        c1, c2 = st.columns([5, 1], vertical_alignment="center")
        c1.markdown(f"**{esc_md(m.coder)}** · {m.created_at:%Y-%m-%d %H:%M} — {esc_md(m.text)}")
        if m.coder == data.coder and m.origin == "manual":
            if c2.button(T("delete"), key=f"del-memo-{m.id}", type="tertiary"):
                safely(review.delete_memo, engine(), m.id, coder())
                _close()
                st.rerun()
    text = st.text_area(T("memo_text"), key=f"memo-{seg.id}", height=100)
    if st.button(T("save"), key=f"save-memo-{seg.id}", type="primary"):
        if safely(review.add_memo, engine(), data.id, coder(), text, seg.id, ok=T("memo_saved")) is not FAILED:
            st.session_state.pop(f"memo-{seg.id}", None)
            _close()
        st.rerun()
