"""What a coder sees and does when reviewing a transcript; the app and the CLI call these.

``load_review`` reads a whole transcript for one coder in a fixed handful of queries (turns,
segments, suggestions, codings, memos), however long it is; ``filter_turns`` and ``paginate``
cut it into what one screen shows. The decisions (``qualcode.decisions``, re-exported here) write
at once, each in its own transaction, audited, so nothing is lost when the browser tab closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, select

from .decisions import (  # the review API: views here, decisions there (see __all__)
    DecisionError,
    LastAction,
    MemoError,
    accept,
    accept_above,
    add_code,
    add_memo,
    delete_memo,
    last_action,
    notify_learning,
    pending_codes,
    reject,
    remove_code,
    set_done,
    undo,
    update_memo,
    wait_for_learning,
)
from .store import progress as progress_store
from .store import transaction
from .store.codebooks import current_version
from .store.models import (
    ADJUDICATED,
    ROLE_INTERVIEWER,
    STATUS_ACCEPTED,
    STATUS_REJECTED,
    Coding,
    Memo,
    Segment,
    Suggestion,
    Transcript,
    TranscriptAttribute,
    Turn,
)

__all__ = ["DecisionError", "LastAction", "MemoError", "ReviewData", "ReviewFilter", "SegmentView", "TurnSlice",
           "TurnView", "accept", "accept_above", "add_code", "add_memo", "delete_memo", "filter_turns", "last_action",
           "load_review", "notify_learning", "page_of", "paginate", "pending_codes", "reject", "reload_segments",
           "remove_code", "set_done", "transcript_list", "transcript_names", "transcript_table", "transcript_view",
           "undo", "update_memo", "wait_for_learning"]


@dataclass
class SuggestionView:
    code: str
    score: float
    source: str
    reason: str
    decision: str | None  # None (pending), accepted, rejected


@dataclass
class MemoView:
    id: int
    segment_id: int | None
    coder: str
    text: str
    origin: str
    created_at: datetime


@dataclass
class SegmentView:
    id: int
    index: int
    start: int
    end: int
    text: str
    turn_index: int = 0
    speaker: str = ""
    role: str = ""
    suggestions: list[SuggestionView] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # this coder's codes
    rejected: list[str] = field(default_factory=list)
    others: dict[str, list[str]] = field(default_factory=dict)  # other coders' accepted codes (when visible)
    memos: list[MemoView] = field(default_factory=list)

    @property
    def pending(self) -> list[SuggestionView]:
        return [s for s in self.suggestions if s.decision is None] if self.suggestions else []


@dataclass
class TurnView:
    index: int
    speaker: str
    role: str
    timestamp: str | None
    start: int
    end: int
    text: str
    segments: list[SegmentView] = field(default_factory=list)

    @property
    def interviewer(self) -> bool:
        return self.role == ROLE_INTERVIEWER

    def pieces(self, full_text: str) -> list[tuple[str, SegmentView | None]]:
        """The turn's text cut into segments and the bits between them (annotations, blanks)."""
        out: list[tuple[str, SegmentView | None]] = []
        pos = self.start
        for seg in self.segments:
            if seg.start > pos:
                out.append((full_text[pos:seg.start], None))
            out.append((full_text[seg.start:seg.end], seg))
            pos = seg.end
        if pos < self.end:
            out.append((full_text[pos:self.end], None))
        return out


@dataclass
class ReviewData:
    """One transcript as one coder reviews it."""

    id: int
    name: str
    attributes: dict[str, str]
    turns: list[TurnView]
    memos: list[MemoView]  # transcript-level memos (segment memos hang on their segments)
    coder: str
    done: bool  # this coder marked the transcript done
    others_visible: bool  # other coders' codings are shown (blind mode off, or done)
    segmented: bool

    def attribute_map(self) -> dict[str, str]:
        return dict(self.attributes)

    def segments(self):
        for t in self.turns:
            yield from t.segments

    @property
    def speakers(self) -> list[str]:
        return sorted({t.speaker for t in self.turns})

    @property
    def n_pending(self) -> int:
        return sum(len(s.pending) for s in self.segments())


def _blind_hides(session, transcript_id: int, coder: str, blind: bool) -> bool:
    return blind and not progress_store.is_done(session, transcript_id, coder)


def _fill(s, transcript_id: int, segs: dict[int, SegmentView], coder: str, others_visible: bool,
          only: list[int] | None = None) -> list[MemoView]:
    """Suggestions, codings and memos of ``segs`` (all of a transcript, or ``only`` these ids):
    three queries whatever the count. Returns the transcript-level memos (when reading all)."""
    def scope(q, column):
        q = q.join(Segment, Segment.id == column).where(Segment.transcript_id == transcript_id)
        return q.where(Segment.id.in_(only)) if only is not None else q

    mine: dict[int, dict[str, str]] = {}
    coding_q = scope(select(Coding.segment_id, Coding.coder, Coding.code, Coding.status), Coding.segment_id)
    if not others_visible:
        coding_q = coding_q.where(Coding.coder == coder)
    for sid, who, code, status in s.execute(coding_q.order_by(Coding.coder, Coding.code)):
        if who == coder:
            mine.setdefault(sid, {})[code] = status
        elif status == STATUS_ACCEPTED:
            segs[sid].others.setdefault(who, []).append(code)
    version = current_version(s)
    if version is not None:
        q = scope(select(Suggestion.segment_id, Suggestion.code, Suggestion.score, Suggestion.source,
                         Suggestion.reason), Suggestion.segment_id)
        for sid, code, score, source, reason in s.execute(
                q.where(Suggestion.codebook_version_id == version.id)
                .order_by(Suggestion.segment_id, Suggestion.score.desc(), Suggestion.code)):
            segs[sid].suggestions.append(SuggestionView(code, score, source, reason, mine.get(sid, {}).get(code)))
    for sid, decisions in mine.items():
        segs[sid].accepted = sorted(c for c, st in decisions.items() if st == STATUS_ACCEPTED)
        segs[sid].rejected = sorted(c for c, st in decisions.items() if st == STATUS_REJECTED)
    memos: list[MemoView] = []
    memo_q = select(Memo).where(Memo.transcript_id == transcript_id)
    if only is not None:
        memo_q = memo_q.where(Memo.segment_id.in_(only))
    for m in s.scalars(memo_q.order_by(Memo.created_at, Memo.id)):
        if m.coder != coder and m.origin == "manual" and not others_visible:
            continue  # blind: other coders' memos are theirs until this coder is done
        view = MemoView(m.id, m.segment_id, m.coder, m.text, m.origin, m.created_at)
        if m.segment_id is not None and m.segment_id in segs:
            segs[m.segment_id].memos.append(view)
        elif only is None:
            memos.append(view)
    return memos


def load_review(engine: Engine, transcript_id: int, coder: str, *, blind: bool = True) -> ReviewData:
    """The transcript turn by turn, each segment with its suggestions, this coder's decisions and memos.

    With ``blind`` (the default) other coders' codings stay hidden until ``coder`` marks the
    transcript done; without it they come along in ``SegmentView.others``.
    """
    with transaction(engine) as s:
        head = s.execute(select(Transcript.name, Transcript.text, Transcript.segmented_at)
                         .where(Transcript.id == transcript_id)).one_or_none()
        if head is None:
            raise KeyError(f"no transcript with id {transcript_id}")
        name, text, segmented_at = head
        attributes = dict(s.execute(select(TranscriptAttribute.key, TranscriptAttribute.value)
                                    .where(TranscriptAttribute.transcript_id == transcript_id)
                                    .order_by(TranscriptAttribute.key)).all())
        done = bool(coder) and progress_store.is_done(s, transcript_id, coder)
        others_visible = bool(coder) and not _blind_hides(s, transcript_id, coder, blind)
        turns: dict[int, TurnView] = {}
        for tid, index, speaker, role, stamp, start, end in s.execute(
                select(Turn.id, Turn.index, Turn.speaker, Turn.role, Turn.timestamp, Turn.start, Turn.end)
                .where(Turn.transcript_id == transcript_id).order_by(Turn.index)):
            turns[tid] = TurnView(index, speaker, role, stamp, start, end, text[start:end])
        segs: dict[int, SegmentView] = {}
        for sid, turn_id, index, start, end, stext in s.execute(
                select(Segment.id, Segment.turn_id, Segment.index, Segment.start, Segment.end, Segment.text)
                .where(Segment.transcript_id == transcript_id).order_by(Segment.index)):
            turn = turns[turn_id]
            view = SegmentView(sid, index, start, end, stext, turn.index, turn.speaker, turn.role)
            turn.segments.append(view)
            segs[sid] = view
        memos = _fill(s, transcript_id, segs, coder, others_visible)
    return ReviewData(transcript_id, name, attributes, list(turns.values()), memos, coder, done, others_visible,
                      segmented_at is not None or bool(segs))


def reload_segments(engine: Engine, transcript_id: int, segments: list[SegmentView], coder: str, *,
                    blind: bool = True) -> list[SegmentView]:
    """Fresh copies of some segments (after a decision on them), without reading the whole transcript."""
    fresh = {seg.id: SegmentView(seg.id, seg.index, seg.start, seg.end, seg.text, seg.turn_index, seg.speaker,
                                 seg.role) for seg in segments}
    with transaction(engine) as s:
        others_visible = bool(coder) and not _blind_hides(s, transcript_id, coder, blind)
        _fill(s, transcript_id, fresh, coder, others_visible, only=list(fresh))
    return [fresh[seg.id] for seg in segments]


def transcript_view(engine: Engine, transcript_id: int, coder: str) -> tuple[ReviewData, list[TurnView]]:
    """The walking skeleton's shape: ``(transcript, turns)``; see ``load_review``."""
    data = load_review(engine, transcript_id, coder)
    return data, data.turns


# --- filters and pages --------------------------------------------------------------------------

@dataclass
class ReviewFilter:
    """Which segments to show: only those with pending suggestions, with one code, of one speaker."""

    pending_only: bool = False
    code: str | None = None
    speaker: str | None = None
    keep: frozenset[int] = frozenset()  # segments decided just now stay in view under "pending only"

    def matches(self, seg: SegmentView) -> bool:
        if self.speaker and seg.speaker != self.speaker:
            return False
        if self.pending_only and not seg.pending and seg.id not in self.keep:
            return False
        if self.code and not (self.code in seg.accepted or any(s.code == self.code for s in seg.suggestions)
                              or any(self.code in codes for codes in seg.others.values())):
            return False
        return True

    @property
    def active(self) -> bool:
        return bool(self.pending_only or self.code or self.speaker)


@dataclass
class TurnSlice:
    """A turn, or the part of it that falls on one page (``continued``: it began on an earlier page)."""

    turn: TurnView
    segments: list[SegmentView]
    continued: bool = False


def filter_turns(data: ReviewData, flt: ReviewFilter) -> list[TurnSlice]:
    """The turns to show, each with its matching segments; turns without any are left out when filtering."""
    out = []
    for turn in data.turns:
        if not turn.segments:  # not segmented yet: shown as plain text unless a filter is on
            if not flt.active or (flt.speaker == turn.speaker and not flt.pending_only and not flt.code):
                out.append(TurnSlice(turn, []))
            continue
        segs = [s for s in turn.segments if flt.matches(s)] if flt.active else list(turn.segments)
        if segs:
            out.append(TurnSlice(turn, segs))
    return out


def paginate(slices: list[TurnSlice], per_page: int = 20) -> list[list[TurnSlice]]:
    """Pages of about ``per_page`` segments; a long turn is split across pages, a short one never is
    unless it does not fit (an unsegmented turn counts as one)."""
    pages: list[list[TurnSlice]] = []
    page: list[TurnSlice] = []
    room = per_page
    for sl in slices:
        segs = sl.segments
        if not segs:
            if room <= 0:
                pages.append(page)
                page, room = [], per_page
            page.append(sl)
            room -= 1
            continue
        continued = sl.continued
        while segs:
            if room <= 0 or (len(segs) <= per_page and len(segs) > room and page):
                pages.append(page)
                page, room = [], per_page
            take = segs[:room]
            page.append(TurnSlice(sl.turn, take, continued))
            room -= len(take)
            segs = segs[len(take):]
            continued = True
    if page:
        pages.append(page)
    return pages or [[]]


def page_of(pages: list[list[TurnSlice]], segment_id: int) -> int | None:
    """The 1-based page that shows a segment."""
    for n, page in enumerate(pages, 1):
        if any(seg.id == segment_id for sl in page for seg in sl.segments):
            return n
    return None


# --- lists for pickers and tables -----------------------------------------------------------------

def transcript_names(engine: Engine) -> list[tuple[int, str]]:
    """(id, name) of every transcript, by name: the Review page's picker (no texts loaded)."""
    with transaction(engine) as s:
        return [tuple(r) for r in s.execute(select(Transcript.id, Transcript.name).order_by(Transcript.name))]


def transcript_list(engine: Engine) -> list[dict]:
    """All transcripts with attributes and counts (for pickers and tables)."""
    from .store.transcripts import list_transcripts

    with transaction(engine) as s:
        return list_transcripts(s)


def transcript_table(engine: Engine, coder: str | None) -> tuple[list[dict], list[str]]:
    """Rows for the Transcripts page: ``transcript_list`` plus suggestions waiting for ``coder`` and
    each coder's progress; and the coders' names (the adjudicated coding last, if any)."""
    from .store.transcripts import list_transcripts

    with transaction(engine) as s:
        rows = list_transcripts(s)
        stats = progress_store.overview(s, coder)
    names = sorted({c for st in stats.values() for c in st["coders"]} - {ADJUDICATED})
    if any(ADJUDICATED in st["coders"] for st in stats.values()):
        names.append(ADJUDICATED)
    for r in rows:
        st = stats.get(r["id"], {"suggestions": 0, "waiting": 0, "coders": {}})
        r["suggestions"] = st["suggestions"]
        r["waiting"] = st["waiting"]
        r["progress"] = st["coders"]
    return rows, names


def left_off(engine: Engine, coder: str) -> tuple[int, str, int | None, datetime] | None:
    """(transcript_id, name, segment_id, when) of ``coder``'s last decision: "continue where you left off"."""
    with transaction(engine) as s:
        return progress_store.left_off(s, coder)


def codebook_in_use(engine: Engine):
    """The codebook version the project is tagged with (None before the first `qualcode tag`)."""
    from .store.codebooks import current_codebook

    with transaction(engine) as s:
        found = current_codebook(s)
    return found[0] if found else None


def codebook_yaml(engine: Engine) -> str | None:
    """The current codebook version's YAML text (the app parses it once per version)."""
    with transaction(engine) as s:
        row = current_version(s)
        return row.yaml_text if row else None
