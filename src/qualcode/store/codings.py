"""Coders' decisions: accept or reject a suggestion, add or remove a code. Each change is audited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .models import (
    ORIGIN_MANUAL,
    ORIGIN_SUGGESTED,
    STATUS_ACCEPTED,
    STATUS_REJECTED,
    Coding,
    Segment,
    Suggestion,
    utcnow,
)
from .codebooks import current_version
from .db import ConflictError


class DecisionError(ValueError):
    """A decision that cannot be recorded (unknown segment, empty coder name)."""


def snapshot(c: Coding) -> dict:
    return {"segment_id": c.segment_id, "code": c.code, "coder": c.coder, "origin": c.origin, "status": c.status,
            "score": c.score, "reason": c.reason, "codebook_version_id": c.codebook_version_id,
            "needs_review": c.needs_review, "version": c.version}


def get(session: Session, segment_id: int, code: str, coder: str) -> Coding | None:
    return session.scalar(select(Coding).where(Coding.segment_id == segment_id, Coding.code == code,
                                               Coding.coder == coder))


def expect_version(coding: Coding | None, expected_version: int | None, what: str) -> None:
    """Optimistic concurrency: refuse an edit of a coding that changed since the editor saw it.

    ``expected_version`` is the version the editor saw (0: there was no coding); None skips the check.
    """
    if expected_version is None:
        return
    found = coding.version if coding is not None else 0
    if found != expected_version:
        now = f"now {coding.status}, version {found}" if coding is not None else "now removed"
        raise ConflictError(f"{what} was changed by someone else after you loaded it ({now}; you saw version "
                            f"{expected_version}), so your change was not saved; reload and decide again")


def decide(session: Session, segment_id: int, code: str, coder: str, status: str, *,
           expected_version: int | None = None) -> Coding:
    """Record ``coder``'s decision (accepted or rejected) on ``code`` for a segment.

    A decision on a code the tagger suggested keeps the suggestion's score and reason
    (origin ``suggested``); any other accepted code is ``manual``. With ``expected_version``
    the decision is refused (`ConflictError`) if the coding changed since that version.
    """
    if status not in (STATUS_ACCEPTED, STATUS_REJECTED):
        raise DecisionError(f"status must be accepted or rejected, not {status!r}")
    if not coder or not coder.strip():
        raise DecisionError("a coder name is needed for every decision")
    segment = session.get(Segment, segment_id)
    if segment is None:
        raise DecisionError(f"no segment with id {segment_id}")
    version = current_version(session)
    suggestion = None
    if version is not None:
        suggestion = session.scalar(select(Suggestion).where(
            Suggestion.segment_id == segment_id, Suggestion.code == code,
            Suggestion.codebook_version_id == version.id))
    coding = get(session, segment_id, code, coder)
    expect_version(coding, expected_version, f"{coder}'s {code} on segment {segment_id}")
    before = snapshot(coding) if coding else None
    if coding is None:
        coding = Coding(segment_id=segment_id, code=code, coder=coder,
                        origin=ORIGIN_SUGGESTED if suggestion else ORIGIN_MANUAL, status=status,
                        score=suggestion.score if suggestion else None,
                        reason=suggestion.reason if suggestion else None,
                        codebook_version_id=version.id if version else None)
        session.add(coding)
    else:
        coding.status = status
        coding.needs_review = False
        coding.updated_at = utcnow()
    session.flush()
    audit.log(session, coder, status, "coding", coding.id, transcript_id=segment.transcript_id, before=before,
              after=snapshot(coding))
    return coding


def remove(session: Session, segment_id: int, code: str, coder: str, *,
           expected_version: int | None = None) -> bool:
    """Delete ``coder``'s coding of ``code`` on a segment; False if there was none."""
    coding = get(session, segment_id, code, coder)
    expect_version(coding, expected_version, f"{coder}'s {code} on segment {segment_id}")
    if coding is None:
        return False
    before = snapshot(coding)
    transcript_id = session.get(Segment, segment_id).transcript_id
    session.delete(coding)
    session.flush()
    audit.log(session, coder, "removed", "coding", coding.id, transcript_id=transcript_id, before=before)
    return True
