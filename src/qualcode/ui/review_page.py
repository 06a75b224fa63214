"""Review: read a transcript turn by turn and decide on its suggested codes.

A thin page over ``qualcode.review``: one batched load per run, a page of about 20 segments
on screen, every click written to the database at once. The comparison of coders and the
adjudication live in ``compare_view`` (the "Compare" view of this page).
"""

from __future__ import annotations

import streamlit as st

from .. import review
from . import compare_view, segment_view
from .actions import FAILED, flash, safely, show_flash
from .codes import code_set
from .i18n import Strings, current_lang
from .render import esc_md, turn_header
from .resources import blind, coder, engine

SEGMENTS_PER_PAGE = 20
DEFAULT_MIN_SCORE = 0.7

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
    "mark_done": ("Mark done", "Merkitse valmiiksi"),
    "mark_done_help": ("You have finished coding this transcript; with blind coding, other coders' codings "
                       "become visible.", "Olet koodannut litteraatin; sokkokoodauksessa muiden koodaukset näkyvät."),
    "reopen": ("Reopen", "Avaa uudelleen"),
    "undo": ("Undo: {what}", "Kumoa: {what}"),
    "undo_none": ("Undo", "Kumoa"),
    "undo_help": ("Take back your last action on this transcript (a bulk accept as a whole). Shortcut: U",
                  "Peru viimeisin toimintosi tässä litteraatissa (joukkohyväksyntä kokonaan). Pikanäppäin: U"),
    "undone": ("Undid {n} change(s).", "Kumottiin {n} muutos(ta)."),
    "nothing_to_undo": ("Nothing to undo.", "Ei kumottavaa."),
    "act_accepted": ("accepted", "hyväksytty"),
    "act_rejected": ("rejected", "hylätty"),
    "act_removed": ("removed", "poistettu"),
    "act_changed": ("changed", "muutettu"),
    "act_undo": ("undone", "kumottu"),
    "n_codes": ("{n} codes", "{n} koodia"),
    "min_score": ("Minimum score", "Vähimmäispisteet"),
    "accept_all": ("Accept all ≥ {score} ({n})", "Hyväksy kaikki ≥ {score} ({n})"),
    "accept_all_help": ("Accept every suggestion in the transcript with at least this score that you have not "
                        "decided on yet (one undoable action).",
                        "Hyväksy litteraatin kaikki vähintään näin pisteytetyt ehdotukset, joista et ole vielä "
                        "päättänyt (yksi kumottava toiminto)."),
    "accept_turn": ("Accept ≥ {score} in this turn ({n})", "Hyväksy ≥ {score} tässä puheenvuorossa ({n})"),
    "accepted_n": ("Accepted {n} suggestion(s).", "Hyväksyttiin {n} ehdotus(ta)."),
    "filters": ("Show", "Näytä"),
    "pending_only": ("Only with suggestions waiting", "Vain odottavat ehdotukset"),
    "code_filter": ("Code", "Koodi"),
    "speaker_filter": ("Speaker", "Puhuja"),
    "all_codes": ("All codes", "Kaikki koodit"),
    "all_speakers": ("All speakers", "Kaikki puhujat"),
    "nothing_matches": ("No segment matches these filters.", "Mikään segmentti ei vastaa suodattimia."),
    "page": ("Page {page} of {pages}", "Sivu {page}/{pages}"),
    "next_page": ("Next page →", "Seuraava sivu →"),
    "continued": ("(continued)", "(jatkuu)"),
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
    "interviewer": ("interviewer", "haastattelija"),
    "participant": ("participant", "osallistuja"),
})


FIRST_ATTRIBUTES = ("stakeholder", "organisation_type", "format", "interview_id", "date")


def attribute_line(attributes: dict[str, str]) -> str:
    """The transcript's attributes, the ones used for matrices first; the title is shown on its own."""
    keys = [k for k in FIRST_ATTRIBUTES if k in attributes]
    keys += [k for k in attributes if k not in keys and k != "title"]
    return " · ".join(f"{k}: {attributes[k]}" for k in keys)


def role_label(role: str) -> str:
    return T(role) if role in ("interviewer", "participant") else role


# --- callbacks ---------------------------------------------------------------------------------

def _undo(tid: int) -> None:
    n = safely(review.undo, engine(), tid, coder())
    if n == 0:
        flash(T("nothing_to_undo"), "error")
    elif n is not FAILED:
        flash(T("undone", n=n))


def _accept_above(tid: int, turn_index: int | None = None) -> None:
    score = float(st.session_state.get("min_score", DEFAULT_MIN_SCORE))
    safely(review.accept_above, engine(), tid, coder(), score, turn_index=turn_index, ok=T("accepted_n"))


def _set_done(tid: int, done: bool) -> None:
    safely(review.set_done, engine(), tid, coder(), done)


def _add_transcript_memo(tid: int) -> None:
    text = st.session_state.get(f"tmemo-{tid}", "")
    if safely(review.add_memo, engine(), tid, coder(), text, ok=T("memo_saved")) is not FAILED:
        st.session_state[f"tmemo-{tid}"] = ""


def _delete_memo(memo_id: int) -> None:
    safely(review.delete_memo, engine(), memo_id, coder())


class _Walk:
    """The segments in view with suggestions waiting, in order, and the page each is on (for J/A/X)."""

    def __init__(self, tid: int, pages: list[list[review.TurnSlice]]) -> None:
        self.tid = tid
        self.page_key = f"page-{tid}"
        self.focus_key = f"focus-{tid}"
        self.order: list[int] = []
        self.page_of: dict[int, int] = {}
        self.top: dict[int, tuple[str, int]] = {}  # segment -> (top pending code, number pending)
        for n, page in enumerate(pages, 1):
            for sl in page:
                for seg in sl.segments:
                    if seg.pending:
                        self.order.append(seg.id)
                        self.page_of[seg.id] = n
                        self.top[seg.id] = (seg.pending[0].code, len(seg.pending))

    def after(self, sid: int | None) -> int | None:
        """The next segment with suggestions waiting after ``sid`` (wrapping round), None if none."""
        if not self.order:
            return None
        if sid not in self.order:
            return self.order[0]
        i = self.order.index(sid)
        rest = self.order[i + 1:] + self.order[:i]
        return rest[0] if rest else None

    def go(self, sid: int | None) -> None:
        if sid is None:
            st.session_state.pop(self.focus_key, None)
            flash(T("no_pending_left"), "error")
            return
        st.session_state[self.focus_key] = sid
        st.session_state[self.page_key] = self.page_of[sid]


def _focus_next(walk: _Walk) -> None:
    walk.go(walk.after(st.session_state.get(walk.focus_key)))


def _decide_focus(walk: _Walk, accept: bool) -> None:
    sid = st.session_state.get(walk.focus_key)
    if sid not in walk.top:  # nothing focused yet (or it has nothing waiting): focus the next one first
        walk.go(walk.after(sid))
        return
    code, n_pending = walk.top[sid]
    segment_view.touched(walk.tid, sid)
    if safely(review.accept if accept else review.reject, engine(), sid, code, coder()) is FAILED:
        return
    if n_pending == 1:  # nothing left on this segment: go on to the next one
        nxt = walk.after(sid)
        if nxt is not None and nxt != sid:
            walk.go(nxt)


def _undo_label(last: review.LastAction | None, codes) -> str:
    if last is None:
        return T("undo_none")
    verb = T(f"act_{last.action}") if last.action in ("accepted", "rejected", "removed", "changed") else last.action
    what = codes.label(last.code) if last.count == 1 else T("n_codes", n=last.count)
    return T("undo", what=f"{verb} {what}")


def _toolbar(data: review.ReviewData, codes) -> None:
    tid = data.id
    pending_scores = [sg.score for seg in data.segments() for sg in seg.pending]
    with st.container(horizontal=True, vertical_alignment="bottom"):
        last = review.last_action(engine(), tid, coder())
        st.button(_undo_label(last, codes), key="undo", on_click=_undo, args=(tid,), disabled=last is None, icon=":material/undo:",
                  help=T("undo_help"), shortcut="U")
        score = st.number_input(T("min_score"), 0.0, 1.0, DEFAULT_MIN_SCORE, 0.05, key="min_score",
                                persist_state="session", width=140)
        n = sum(s >= score for s in pending_scores)
        st.button(T("accept_all", score=f"{score:.2f}", n=n), key="accept_all", on_click=_accept_above,
                  args=(tid,), disabled=n == 0, help=T("accept_all_help"))
        if data.done:
            st.button(T("reopen"), key="reopen", on_click=_set_done, args=(tid, False))
        else:
            st.button(T("mark_done"), key="mark_done", on_click=_set_done, args=(tid, True),
                      help=T("mark_done_help"), type="primary")


def _filters(data: review.ReviewData, codes) -> review.ReviewFilter:
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


def _transcript_memos(data: review.ReviewData) -> None:
    with st.expander(T("memos", n=len(data.memos))):
        for m in data.memos:
            c1, c2 = st.columns([6, 1])
            c1.markdown(f"**{esc_md(m.coder)}** · {m.created_at:%Y-%m-%d %H:%M} — {esc_md(m.text)}")
            if m.coder == data.coder and m.origin == "manual":
                c2.button(T("delete"), key=f"del-memo-{m.id}", on_click=_delete_memo, args=(m.id,), type="tertiary")
        st.text_area(T("new_memo"), key=f"tmemo-{data.id}", height=80)
        st.button(T("save_memo"), key=f"save-tmemo-{data.id}", on_click=_add_transcript_memo, args=(data.id,))


def _keyboard(walk: _Walk) -> None:
    """J / A / X: walk the segments with suggestions waiting and decide on the top suggestion."""
    with st.container(horizontal=True):
        st.button(T("next_pending"), key="focus_next", on_click=_focus_next, args=(walk,), shortcut="J",
                  help=T("next_pending_help"), type="tertiary")
        st.button(T("accept_focus"), key="focus_accept", on_click=_decide_focus, args=(walk, True),
                  shortcut="A", type="tertiary")
        st.button(T("reject_focus"), key="focus_reject", on_click=_decide_focus, args=(walk, False),
                  shortcut="X", type="tertiary")


def _code_view(data: review.ReviewData, codes) -> None:
    _toolbar(data, codes)
    flt = _filters(data, codes)
    _transcript_memos(data)
    slices = review.filter_turns(data, flt)
    if not slices:
        st.info(T("nothing_matches"))
        return
    pages = review.paginate(slices, SEGMENTS_PER_PAGE)
    walk = _Walk(data.id, pages)
    _keyboard(walk)
    focus = st.session_state.get(walk.focus_key)
    key = walk.page_key
    if st.session_state.get(key, 1) > len(pages):
        st.session_state[key] = len(pages)
    page = st.pagination(len(pages), key=key, persist_state="session") if len(pages) > 1 else 1
    st.caption(T("page", page=page, pages=len(pages)))
    score = float(st.session_state.get("min_score", DEFAULT_MIN_SCORE))
    for sl in pages[page - 1]:
        turn = sl.turn
        head = turn_header(turn.speaker, role_label(turn.role), turn.timestamp, interviewer=turn.interviewer,
                           continued=T("continued") if sl.continued else "")
        n_turn = sum(sg.score >= score for seg in turn.segments for sg in seg.pending)
        if n_turn and not sl.continued:
            c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
            c1.html(head)
            c2.button(T("accept_turn", score=f"{score:.2f}", n=n_turn), key=f"acc-turn-{turn.index}",
                      on_click=_accept_above, args=(data.id, turn.index), type="tertiary")
        else:
            st.html(head)
        if not sl.segments:
            st.html(segment_view.plain_turn(turn))
        for seg in sl.segments:
            segment_view.render(seg, data, codes, interviewer=turn.interviewer, focus=seg.id == focus)
    if page < len(pages):
        st.button(T("next_page"), key="next_page", on_click=_next_page, args=(key,))


def _next_page(key: str) -> None:
    st.session_state[key] = st.session_state.get(key, 1) + 1


def render() -> None:
    st.header(T("title"))
    show_flash()
    who = coder()
    if not who:
        st.info(T("need_coder"))
        return
    rows = review.transcript_list(engine())
    if not rows:
        st.info(T("no_transcripts"))
        return
    names = [r["name"] for r in rows]
    if st.session_state.get("transcript") not in names:
        st.session_state.pop("transcript", None)
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    name = c1.selectbox(T("transcript"), names, key="transcript", bind="query-params")
    view = c2.segmented_control(T("view"), ["code", "compare"], key="view", default="code", required=True,
                                bind="query-params", format_func=lambda v: T(f"view_{v}"))
    tid = rows[names.index(name)]["id"]
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
    if view == "compare":
        compare_view.render(data, codes)
    else:
        _code_view(data, codes)
