"""The Review page's tools above the text: undo, accept all above a score, done, filters, transcript
memos, and the keyboard walk (J next waiting, A accept, X reject)."""

from __future__ import annotations

import streamlit as st

from .. import review
from .actions import FAILED, flash, learn_from, safely
from .i18n import Strings
from .render import esc_md
from .resources import coder, engine

DEFAULT_MIN_SCORE = 0.7

T = Strings({
    "mark_done": ("Mark done", "Merkitse valmiiksi"),
    "mark_done_help": ("You have finished coding this transcript; with blind coding, other coders' codings "
                       "become visible.", "Olet koodannut litteraatin; sokkokoodauksessa muiden koodaukset näkyvät."),
    "reopen": ("Reopen", "Avaa uudelleen"),
    "undo": ("Undo", "Kumoa"),
    "undo_help": ("Take back your last action on this transcript (a bulk accept as a whole); again for the one "
                  "before. Shortcut: U", "Peru viimeisin toimintosi tässä litteraatissa (joukkohyväksyntä "
                  "kokonaan); uudelleen sitä edellinen. Pikanäppäin: U"),
    "undone": ("Undone: {what}.", "Kumottu: {what}."),
    "nothing_to_undo": ("Nothing to undo.", "Ei kumottavaa."),
    "act_accepted": ("accepted", "hyväksytty"),
    "act_rejected": ("rejected", "hylätty"),
    "act_removed": ("removed", "poistettu"),
    "act_changed": ("changed", "muutettu"),
    "n_codes": ("{n} codes", "{n} koodia"),
    "min_score": ("Minimum score", "Vähimmäispisteet"),
    "accept_all": ("Accept all ≥ {score} ({n})", "Hyväksy kaikki ≥ {score} ({n})"),
    "accept_all_help": ("Accept every suggestion in the transcript with at least this score that you have not "
                        "decided on yet (one undoable action).",
                        "Hyväksy litteraatin kaikki vähintään näin pisteytetyt ehdotukset, joista et ole vielä "
                        "päättänyt (yksi kumottava toiminto)."),
    "accepted_n": ("Accepted {n} suggestion(s).", "Hyväksyttiin {n} ehdotus(ta)."),
    "pending_only": ("Only with suggestions waiting", "Vain odottavat ehdotukset"),
    "code_filter": ("Code", "Koodi"),
    "speaker_filter": ("Speaker", "Puhuja"),
    "all_codes": ("All codes", "Kaikki koodit"),
    "all_speakers": ("All speakers", "Kaikki puhujat"),
    "memos": ("Transcript memos ({n})", "Litteraatin muistiinpanot ({n})"),
    "new_memo": ("New memo on the transcript", "Uusi muistiinpano litteraatista"),
    "save_memo": ("Save memo", "Tallenna muistiinpano"),
    "memo_saved": ("Memo saved.", "Muistiinpano tallennettu."),
    "delete": ("Delete", "Poista"),
    "next_pending": ("Next waiting (J)", "Seuraava odottava (J)"),
    "next_pending_help": ("Jump to the next segment with suggestions waiting; A accepts and X rejects its top "
                          "suggestion.", "Siirry seuraavaan segmenttiin, jossa on odottavia ehdotuksia; A hyväksyy "
                          "ja X hylkää sen ensimmäisen ehdotuksen."),
    "accept_focus": ("Accept top (A)", "Hyväksy ylin (A)"),
    "reject_focus": ("Reject top (X)", "Hylkää ylin (X)"),
    "no_pending_left": ("No suggestions waiting in view.", "Näkyvissä ei ole odottavia ehdotuksia."),
})


def min_score() -> float:
    return float(st.session_state.get("min_score", DEFAULT_MIN_SCORE))


def describe(last: review.LastAction, codes) -> str:
    verb = T(f"act_{last.action}") if last.action in ("accepted", "rejected", "removed", "changed") else last.action
    what = codes.label(last.code) if last.count == 1 else T("n_codes", n=last.count)
    return f"{verb} {what}"


# --- callbacks ---------------------------------------------------------------------------------

def _undo(tid: int, codes) -> None:
    last = review.last_action(engine(), tid, coder())
    if last is None:
        flash(T("nothing_to_undo"), "error")
        return
    if learn_from(review.undo, engine(), tid, coder()) not in (FAILED, 0):
        flash(T("undone", what=describe(last, codes)))


def accept_above(tid: int, turn_index: int | None = None) -> None:
    learn_from(review.accept_above, engine(), tid, coder(), min_score(), turn_index=turn_index, ok=T("accepted_n"))


def _set_done(tid: int, done: bool) -> None:
    safely(review.set_done, engine(), tid, coder(), done)


def _add_transcript_memo(tid: int) -> None:
    text = st.session_state.get(f"tmemo-{tid}", "")
    if safely(review.add_memo, engine(), tid, coder(), text, ok=T("memo_saved")) is not FAILED:
        st.session_state[f"tmemo-{tid}"] = ""


def _delete_memo(memo_id: int) -> None:
    safely(review.delete_memo, engine(), memo_id, coder())


# --- tools -------------------------------------------------------------------------------------

def toolbar(data: review.ReviewData, codes) -> None:
    tid = data.id
    pending_scores = [sg.score for seg in data.segments() for sg in seg.pending]
    with st.container(horizontal=True, vertical_alignment="bottom"):
        # Never disabled: decisions made in a turn since the page was drawn are undoable too.
        st.button(T("undo"), key="undo", on_click=_undo, args=(tid, codes), icon=":material/undo:",
                  help=T("undo_help"), shortcut="U")
        score = st.number_input(T("min_score"), 0.0, 1.0, DEFAULT_MIN_SCORE, 0.05, key="min_score",
                                persist_state="session", width=140)
        n = sum(s >= score for s in pending_scores)
        st.button(T("accept_all", score=f"{score:.2f}", n=n), key="accept_all", on_click=accept_above,
                  args=(tid,), disabled=n == 0, help=T("accept_all_help"))
        if data.done:
            st.button(T("reopen"), key="reopen", on_click=_set_done, args=(tid, False))
        else:
            st.button(T("mark_done"), key="mark_done", on_click=_set_done, args=(tid, True),
                      help=T("mark_done_help"), type="primary")


def filters(data: review.ReviewData, codes) -> review.ReviewFilter:
    c1, c2, c3 = st.columns([2, 2, 2], vertical_alignment="bottom")
    pending = c1.toggle(T("pending_only"), key="f_pending", persist_state="session")
    code_ids = [None, *codes.ids]
    if st.session_state.get("f_code") not in code_ids:
        st.session_state.pop("f_code", None)
    code = c2.selectbox(T("code_filter"), code_ids, key="f_code", persist_state="session",
                        format_func=lambda c: T("all_codes") if c is None else codes.label(c))
    speakers = [None, *data.speakers]
    if st.session_state.get("f_speaker") not in speakers:
        st.session_state.pop("f_speaker", None)
    speaker = c3.selectbox(T("speaker_filter"), speakers, key="f_speaker", persist_state="session",
                           format_func=lambda s: T("all_speakers") if s is None else s)
    return review.ReviewFilter(pending_only=pending, code=code, speaker=speaker,
                               keep=frozenset(st.session_state.get(f"touched-{data.id}", ())))


def transcript_memos(data: review.ReviewData) -> None:
    with st.expander(T("memos", n=len(data.memos))):
        for m in data.memos:
            c1, c2 = st.columns([6, 1])
            c1.markdown(f"**{esc_md(m.coder)}** · {m.created_at:%Y-%m-%d %H:%M} — {esc_md(m.text)}")
            if m.coder == data.coder and m.origin == "manual":
                c2.button(T("delete"), key=f"del-memo-{m.id}", on_click=_delete_memo, args=(m.id,), type="tertiary")
        st.text_area(T("new_memo"), key=f"tmemo-{data.id}", height=80)
        st.button(T("save_memo"), key=f"save-tmemo-{data.id}", on_click=_add_transcript_memo, args=(data.id,))


# --- the keyboard walk -------------------------------------------------------------------------

class Walk:
    """The segments in view that had suggestions waiting when the page was drawn, in order, with the
    page each is on. What is still waiting is read from the database at each key press."""

    def __init__(self, tid: int, pages: list[list[review.TurnSlice]]) -> None:
        self.tid = tid
        self.page_key = f"page-{tid}"
        self.focus_key = f"focus-{tid}"
        self.order: list[int] = []
        self.page_of: dict[int, int] = {}
        for n, page in enumerate(pages, 1):
            for sl in page:
                for seg in sl.segments:
                    if seg.pending:
                        self.order.append(seg.id)
                        self.page_of[seg.id] = n

    def after(self, sid: int | None) -> list[int]:
        """The segments after ``sid`` in reading order, wrapping round (``sid`` itself last)."""
        if sid not in self.order:
            return list(self.order)
        i = self.order.index(sid)
        return self.order[i + 1:] + self.order[:i + 1]

    def next_waiting(self, sid: int | None) -> int | None:
        for candidate in self.after(sid):
            if review.pending_codes(engine(), candidate, coder()):
                return candidate
        return None

    def go(self, sid: int | None) -> None:
        if sid is None:
            st.session_state.pop(self.focus_key, None)
            flash(T("no_pending_left"), "error")
            return
        st.session_state[self.focus_key] = sid
        st.session_state[self.page_key] = self.page_of[sid]


def _focus_next(walk: Walk) -> None:
    walk.go(walk.next_waiting(st.session_state.get(walk.focus_key)))


def _decide_focus(walk: Walk, accept: bool) -> None:
    from .segment_view import touched

    sid = st.session_state.get(walk.focus_key)
    waiting = review.pending_codes(engine(), sid, coder()) if sid is not None else []
    if not waiting:  # nothing focused yet, or nothing left there: focus the next one first
        walk.go(walk.next_waiting(sid))
        return
    touched(walk.tid, sid)
    if learn_from(review.accept if accept else review.reject, engine(), sid, waiting[0], coder()) is FAILED:
        return
    if len(waiting) == 1:  # nothing left on this segment: go on to the next one
        nxt = walk.next_waiting(sid)
        if nxt is not None:
            walk.go(nxt)


def keyboard(walk: Walk) -> None:
    with st.container(horizontal=True):
        st.button(T("next_pending"), key="focus_next", on_click=_focus_next, args=(walk,), shortcut="J",
                  help=T("next_pending_help"), type="tertiary")
        st.button(T("accept_focus"), key="focus_accept", on_click=_decide_focus, args=(walk, True),
                  shortcut="A", type="tertiary")
        st.button(T("reject_focus"), key="focus_reject", on_click=_decide_focus, args=(walk, False),
                  shortcut="X", type="tertiary")
