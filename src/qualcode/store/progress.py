"""Coding progress: which coder marked which transcript done, and how far each coder got.

Blind coding hides other coders' codings from a coder until they mark the transcript done.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from . import audit
from .codebooks import current_version
from .models import (
    ADJUDICATED,
    STATUS_ACCEPTED,
    AuditEntry,
    Coding,
    CoderProgress,
    Segment,
    Suggestion,
    Transcript,
    utcnow,
)


def set_done(session: Session, transcript_id: int, coder: str, done: bool = True) -> None:
    """Mark (or unmark) a transcript done for a coder; audited like every other change."""
    if not coder or not coder.strip():
        raise ValueError("a coder name is needed to mark a transcript done")
    row = session.get(CoderProgress, (transcript_id, coder))
    before = {"done": row.done} if row else None
    if row is None:
        row = CoderProgress(transcript_id=transcript_id, coder=coder)
        session.add(row)
    row.done = done
    row.done_at = utcnow() if done else None
    session.flush()
    audit.log(session, coder, "marked done" if done else "reopened", "progress", transcript_id,
              transcript_id=transcript_id, before=before, after={"coder": coder, "done": done})


def is_done(session: Session, transcript_id: int, coder: str) -> bool:
    row = session.get(CoderProgress, (transcript_id, coder))
    return bool(row and row.done)


def done_coders(session: Session, transcript_id: int) -> list[str]:
    return list(session.scalars(select(CoderProgress.coder).where(
        CoderProgress.transcript_id == transcript_id, CoderProgress.done.is_(True)).order_by(CoderProgress.coder)))


def coders(session: Session, transcript_id: int | None = None) -> list[str]:
    """Everyone who has coded (a transcript, or anything), without the adjudicated pseudo-coder."""
    q = select(Coding.coder).distinct()
    pq = select(CoderProgress.coder).distinct()
    if transcript_id is not None:
        q = q.join(Segment, Segment.id == Coding.segment_id).where(Segment.transcript_id == transcript_id)
        pq = pq.where(CoderProgress.transcript_id == transcript_id)
    names = set(session.scalars(q)) | set(session.scalars(pq))
    names.discard(ADJUDICATED)
    return sorted(names)


def overview(session: Session, coder: str | None) -> dict[int, dict]:
    """Per transcript id: its suggestions, those waiting for ``coder``, and per coder how far they got.

    ``{tid: {"suggestions": n, "waiting": n, "coders": {name: {"decided": n, "codes": n, "done": bool}}}}``
    where ``decided`` counts suggestions the coder accepted or rejected and ``codes`` the accepted
    codings (suggested or added). A few grouped queries, whatever the number of transcripts.
    """
    out: dict[int, dict] = {}

    def row(tid: int) -> dict:
        return out.setdefault(tid, {"suggestions": 0, "waiting": 0, "coders": {}})

    def per(tid: int, name: str) -> dict:
        return row(tid)["coders"].setdefault(name, {"decided": 0, "codes": 0, "done": False})

    version = current_version(session)
    if version is not None:
        base = (select(Segment.transcript_id, func.count()).join(Suggestion, Suggestion.segment_id == Segment.id)
                .where(Suggestion.codebook_version_id == version.id).group_by(Segment.transcript_id))
        for tid, n in session.execute(base):
            row(tid)["suggestions"] = n
            row(tid)["waiting"] = 0 if coder else n
        if coder:
            decided = exists().where(and_(Coding.segment_id == Suggestion.segment_id, Coding.code == Suggestion.code,
                                          Coding.coder == coder))
            for tid, n in session.execute(base.where(~decided)):
                row(tid)["waiting"] = n
        decided_q = (select(Segment.transcript_id, Coding.coder, func.count())
                     .join(Suggestion, Suggestion.segment_id == Segment.id)
                     .join(Coding, and_(Coding.segment_id == Suggestion.segment_id, Coding.code == Suggestion.code))
                     .where(Suggestion.codebook_version_id == version.id)
                     .group_by(Segment.transcript_id, Coding.coder))
        for tid, name, n in session.execute(decided_q):
            per(tid, name)["decided"] = n
    codes_q = (select(Segment.transcript_id, Coding.coder, func.count()).join(Coding, Coding.segment_id == Segment.id)
               .where(Coding.status == STATUS_ACCEPTED).group_by(Segment.transcript_id, Coding.coder))
    for tid, name, n in session.execute(codes_q):
        per(tid, name)["codes"] = n
    for p in session.scalars(select(CoderProgress)):
        per(p.transcript_id, p.coder)["done"] = bool(p.done)
    return out


def left_off(session: Session, coder: str) -> tuple[int, str, int | None, datetime] | None:
    """Where ``coder`` last decided on a coding: (transcript_id, transcript name, segment_id or None
    if that coding is gone, when), from the audit log (its newest entries first, by index)."""
    row = session.execute(
        select(AuditEntry.transcript_id, Transcript.name, AuditEntry.entity_id, AuditEntry.at)
        .join(Transcript, Transcript.id == AuditEntry.transcript_id)
        .where(AuditEntry.who == coder, AuditEntry.entity == "coding")
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(1)).first()
    if row is None:
        return None
    tid, name, coding_id, at = row
    segment = session.scalar(select(Coding.segment_id).where(Coding.id == coding_id)) if coding_id else None
    return tid, name, segment, at
