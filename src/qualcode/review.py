"""What a coder sees and does when reviewing a transcript; the app and CLI call these."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import selectinload

from .store import transaction
from .store import codings as coding_store
from .store.codebooks import current_version
from .store.models import (
    STATUS_ACCEPTED,
    STATUS_REJECTED,
    Coding,
    Segment,
    Suggestion,
    Transcript,
)


@dataclass
class SuggestionView:
    code: str
    score: float
    source: str
    reason: str
    decision: str | None  # None (pending), accepted, rejected


@dataclass
class SegmentView:
    id: int
    index: int
    start: int
    end: int
    text: str
    suggestions: list[SuggestionView] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # this coder's codes
    rejected: list[str] = field(default_factory=list)

    @property
    def pending(self) -> list[SuggestionView]:
        return [s for s in self.suggestions if s.decision is None]


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


def transcript_view(engine: Engine, transcript_id: int, coder: str) -> tuple[Transcript, list[TurnView]]:
    """The transcript turn by turn, each segment with its suggestions and this coder's decisions."""
    with transaction(engine) as s:
        t = s.get(Transcript, transcript_id, options=[selectinload(Transcript.turns),
                                                    selectinload(Transcript.attributes),
                                                    selectinload(Transcript.participants)])
        if t is None:
            raise KeyError(f"no transcript with id {transcript_id}")
        version = current_version(s)
        segs = list(s.scalars(select(Segment).where(Segment.transcript_id == transcript_id).order_by(Segment.index)))
        seg_ids = [x.id for x in segs]
        sugg: dict[int, list[Suggestion]] = {}
        if version is not None:
            for sg in s.scalars(select(Suggestion).where(Suggestion.segment_id.in_(seg_ids),
                                                         Suggestion.codebook_version_id == version.id)):
                sugg.setdefault(sg.segment_id, []).append(sg)
        mine: dict[int, dict[str, str]] = {}
        for c in s.scalars(select(Coding).where(Coding.segment_id.in_(seg_ids), Coding.coder == coder)):
            mine.setdefault(c.segment_id, {})[c.code] = c.status
        turns = {tr.id: TurnView(tr.index, tr.speaker, tr.role, tr.timestamp, tr.start, tr.end,
                                 t.text[tr.start:tr.end]) for tr in t.turns}
        for seg in segs:
            decisions = mine.get(seg.id, {})
            view = SegmentView(seg.id, seg.index, seg.start, seg.end, seg.text)
            for sg in sorted(sugg.get(seg.id, []), key=lambda x: -x.score):
                view.suggestions.append(SuggestionView(sg.code, sg.score, sg.source, sg.reason,
                                                       decisions.get(sg.code)))
            view.accepted = sorted(c for c, st in decisions.items() if st == STATUS_ACCEPTED)
            view.rejected = sorted(c for c, st in decisions.items() if st == STATUS_REJECTED)
            turns[seg.turn_id].segments.append(view)
        s.expunge(t)
    return t, sorted(turns.values(), key=lambda tv: tv.index)


def accept(engine: Engine, segment_id: int, code: str, coder: str) -> None:
    with transaction(engine) as s:
        coding_store.decide(s, segment_id, code, coder, STATUS_ACCEPTED)


def reject(engine: Engine, segment_id: int, code: str, coder: str) -> None:
    with transaction(engine) as s:
        coding_store.decide(s, segment_id, code, coder, STATUS_REJECTED)


def add_code(engine: Engine, segment_id: int, code: str, coder: str) -> None:
    """A code the coder applies by hand (accepted at once)."""
    accept(engine, segment_id, code, coder)


def remove_code(engine: Engine, segment_id: int, code: str, coder: str) -> bool:
    with transaction(engine) as s:
        return coding_store.remove(s, segment_id, code, coder)


def transcript_list(engine: Engine) -> list[dict]:
    """All transcripts with attributes and counts (for pickers and tables)."""
    from .store.transcripts import list_transcripts

    with transaction(engine) as s:
        return list_transcripts(s)


def codebook_in_use(engine: Engine):
    """The codebook version the project is tagged with (None before the first `qualcode tag`)."""
    from .store.codebooks import current_codebook

    with transaction(engine) as s:
        found = current_codebook(s)
    return found[0] if found else None
