"""Comparing coders on one transcript and recording the agreed (adjudicated) coding.

The agreed coding is stored as codings of the pseudo-coder ``ADJUDICATED``: a code the
adjudicator keeps is accepted, a code some coder used but the adjudicator dropped is rejected.
The audit log names the adjudicator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from .store import transaction
from .store import codings as coding_store
from .store import progress as progress_store
from .store.codings import Decision
from .store.models import (
    ADJUDICATED,
    ROLE_INTERVIEWER,
    STATUS_ACCEPTED,
    STATUS_REJECTED,
    Coding,
    Segment,
    Turn,
    utcnow,
)


@dataclass
class SegmentComparison:
    segment_id: int
    index: int
    speaker: str
    role: str
    text: str
    by_coder: dict[str, set[str]] = field(default_factory=dict)  # accepted codes per compared coder
    adjudicated: set[str] | None = None  # None: no agreed coding recorded yet

    @property
    def union(self) -> set[str]:
        return set().union(*self.by_coder.values()) if self.by_coder else set()

    @property
    def agreed(self) -> set[str]:
        """Codes every compared coder applied."""
        return set.intersection(*self.by_coder.values()) if self.by_coder else set()

    @property
    def differs(self) -> bool:
        return self.union != self.agreed


@dataclass
class Comparison:
    transcript_id: int
    coders: list[str]
    done: list[str]  # coders who marked the transcript done
    segments: list[SegmentComparison]

    @property
    def disagreements(self) -> list[SegmentComparison]:
        return [s for s in self.segments if s.differs]

    @property
    def open(self) -> list[SegmentComparison]:
        """Disagreements without an agreed coding yet."""
        return [s for s in self.segments if s.differs and s.adjudicated is None]


def coders_of(engine: Engine, transcript_id: int) -> list[str]:
    """Everyone who has coded the transcript (not the adjudicated pseudo-coder)."""
    with transaction(engine) as s:
        return progress_store.coders(s, transcript_id)


def compare(engine: Engine, transcript_id: int, coders: list[str] | None = None) -> Comparison:
    """Every segment some coder coded, with each coder's accepted codes and the agreed coding so far.

    ``coders``: whom to compare (default: everyone who coded the transcript). Interviewer turns
    are left out, as in the matrices.
    """
    with transaction(engine) as s:
        everyone = progress_store.coders(s, transcript_id)
        coders = [c for c in (coders if coders is not None else everyone) if c != ADJUDICATED]
        done = progress_store.done_coders(s, transcript_id)
        rows = s.execute(
            select(Segment.id, Segment.index, Turn.speaker, Segment.role, Segment.text, Coding.coder, Coding.code,
                   Coding.status)
            .join(Coding, Coding.segment_id == Segment.id).join(Turn, Turn.id == Segment.turn_id)
            .where(Segment.transcript_id == transcript_id, Segment.role != ROLE_INTERVIEWER,
                   Coding.coder.in_([*coders, ADJUDICATED]))
            .order_by(Segment.index)).all()
    segs: dict[int, SegmentComparison] = {}
    for sid, index, speaker, role, text, who, code, status in rows:
        sc = segs.get(sid)
        if sc is None:
            sc = segs[sid] = SegmentComparison(sid, index, speaker, role, text, {c: set() for c in coders})
        if who == ADJUDICATED:
            if sc.adjudicated is None:
                sc.adjudicated = set()
            if status == STATUS_ACCEPTED:
                sc.adjudicated.add(code)
        elif status == STATUS_ACCEPTED:
            sc.by_coder[who].add(code)
    kept = [sc for sc in segs.values() if sc.union or sc.adjudicated]
    return Comparison(transcript_id, coders, done, sorted(kept, key=lambda x: x.index))


def adjudicate(engine: Engine, segment_id: int, codes: list[str] | set[str], adjudicator: str,
               considered: list[str] | set[str] = ()) -> int:
    """Record the agreed codes for a segment: ``codes`` accepted; ``considered`` codes not chosen,
    and earlier agreed codes no longer chosen, rejected. Returns how many codings changed."""
    if not adjudicator or not adjudicator.strip() or adjudicator == ADJUDICATED:
        raise coding_store.DecisionError("the adjudicator's name is needed (enter it in the sidebar)")
    chosen = set(codes)
    with transaction(engine) as s:
        earlier = set(s.scalars(select(Coding.code).where(Coding.segment_id == segment_id,
                                                          Coding.coder == ADJUDICATED)))
        dropped = (set(considered) | earlier) - chosen
        decisions = [Decision(segment_id, c, STATUS_ACCEPTED) for c in sorted(chosen)]
        decisions += [Decision(segment_id, c, STATUS_REJECTED) for c in sorted(dropped)]
        return coding_store.decide_many(s, decisions, ADJUDICATED, who=adjudicator)


def adopt_agreed(engine: Engine, transcript_id: int, adjudicator: str, coders: list[str] | None = None) -> int:
    """Record the agreed coding of every segment where the compared coders agree and none is recorded yet.

    One undoable action; returns how many segments got an agreed coding.
    """
    if not adjudicator or not adjudicator.strip() or adjudicator == ADJUDICATED:
        raise coding_store.DecisionError("the adjudicator's name is needed (enter it in the sidebar)")
    cmp = compare(engine, transcript_id, coders)
    if len(cmp.coders) < 2:
        return 0
    todo = [sc for sc in cmp.segments if not sc.differs and sc.adjudicated is None and sc.agreed]
    decisions = [Decision(sc.segment_id, c, STATUS_ACCEPTED) for sc in todo for c in sorted(sc.agreed)]
    with transaction(engine) as s:
        coding_store.decide_many(s, decisions, ADJUDICATED, who=adjudicator, at=utcnow())
    return len(todo)
