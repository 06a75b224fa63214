"""Coders' ratings of segments, for intercoder agreement.

A coder rated a segment when they decided anything on it (accepted or rejected a code), or
when they marked its transcript done (then every segment they left uncoded is rated "no
code"). Pending suggestions are the tagger's, never a coder's rating. Interviewer turns are
context, not data, and are left out; so is the adjudicated pseudo-coder unless asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import (
    ADJUDICATED,
    ROLE_INTERVIEWER,
    STATUS_ACCEPTED,
    CoderProgress,
    Coding,
    Segment,
    Transcript,
)


@dataclass
class SegmentRatings:
    segment_id: int
    transcript: str
    index: int
    text: str
    codes: dict[str, set[str]] = field(default_factory=dict)  # coder -> accepted codes (rated coders only)


def segment_ratings(session: Session, *, transcripts: list[str] | None = None, coders: list[str] | None = None,
                    include_adjudicated: bool = False) -> list[SegmentRatings]:
    """Participant segments in transcript order with what each coder who rated them applied."""
    q = (select(Segment.id, Segment.transcript_id, Transcript.name, Segment.index, Segment.text)
         .join(Transcript, Segment.transcript_id == Transcript.id)
         .where(Segment.role != ROLE_INTERVIEWER).order_by(Transcript.name, Segment.index))
    if transcripts:
        q = q.where(Transcript.name.in_(transcripts))
    segs = session.execute(q).all()
    by_id = {sid: SegmentRatings(sid, name, index, text) for sid, _, name, index, text in segs}
    tids = {tid for _, tid, *_ in segs}

    def coder_filter(column):
        if coders:
            return column.in_(coders)
        return column != ADJUDICATED if not include_adjudicated else column.isnot(None)

    cq = select(Coding.segment_id, Coding.coder, Coding.code, Coding.status).where(coder_filter(Coding.coder))
    if transcripts:
        cq = cq.join(Segment, Coding.segment_id == Segment.id).where(Segment.transcript_id.in_(tids))
    for sid, coder, code, status in session.execute(cq):
        unit = by_id.get(sid)
        if unit is None:
            continue  # an interviewer segment
        codes = unit.codes.setdefault(coder, set())
        if status == STATUS_ACCEPTED:
            codes.add(code)
    done = session.execute(select(CoderProgress.transcript_id, CoderProgress.coder)
                           .where(CoderProgress.done.is_(True), coder_filter(CoderProgress.coder))).all()
    done_by: dict[int, list[str]] = {}
    for tid, coder in done:
        done_by.setdefault(tid, []).append(coder)
    for sid, tid, *_ in segs:
        for coder in done_by.get(tid, []):
            by_id[sid].codes.setdefault(coder, set())
    return list(by_id.values())


def coders(session: Session) -> list[str]:
    """Everyone who has decided anything (the adjudicated pseudo-coder last, when present)."""
    names = set(session.scalars(select(Coding.coder).distinct()))
    names |= set(session.scalars(select(CoderProgress.coder).distinct()))
    return sorted(names - {ADJUDICATED}) + ([ADJUDICATED] if ADJUDICATED in names else [])
