"""Coders' decisions: accept or reject a suggestion, add or remove a code, undo. Each change is audited.

A coding is one coder's row per (segment, code). Every change writes an ``audit_log`` row with
the state before and after, so the audit log is also the undo history: undoing an entry
restores its ``before``. Changes made together (accepting everything above a score) share one
audit time stamp and are undone together.

``who`` is the person recorded in the audit log; it differs from ``coder`` only when an
adjudicator writes the agreed coding (``coder`` is then ``models.ADJUDICATED``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import audit
from .codebooks import current_version
from .db import ConflictError
from .models import (
    ORIGIN_MANUAL,
    ORIGIN_SUGGESTED,
    STATUS_ACCEPTED,
    STATUS_REJECTED,
    AuditEntry,
    Coding,
    Segment,
    Suggestion,
    utcnow,
)

ENTITY = "coding"
ACTION_REMOVED = "removed"
ACTION_UNDO = "undo"
_RESTORED_FIELDS = ("origin", "status", "score", "reason", "codebook_version_id", "needs_review", "note")


class DecisionError(ValueError):
    """A decision that cannot be recorded (unknown segment, empty coder name, a conflicting edit)."""


def snapshot(c: Coding) -> dict:
    return {"segment_id": c.segment_id, "code": c.code, "coder": c.coder, "origin": c.origin, "status": c.status,
            "score": c.score, "reason": c.reason, "codebook_version_id": c.codebook_version_id,
            "needs_review": c.needs_review, "note": c.note, "version": c.version}


def get(session: Session, segment_id: int, code: str, coder: str) -> Coding | None:
    return session.scalar(select(Coding).where(Coding.segment_id == segment_id, Coding.code == code,
                                               Coding.coder == coder))


def _check_names(coder: str, who: str | None) -> str:
    if not coder or not coder.strip():
        raise DecisionError("a coder name is needed for every decision (enter it in the sidebar or pass --coder)")
    who = who or coder
    if not who.strip():
        raise DecisionError("the name of the person making the change is empty")
    if who.startswith("#"):
        raise DecisionError(f"{who!r} is reserved for qualcode's own records (names starting with '#'); "
                            "use your own name")
    return who


def _flush(session: Session) -> None:
    try:
        session.flush()
    except (StaleDataError, IntegrityError) as exc:
        raise ConflictError("this coding was changed in another window or by another process at the same time; "
                            "reload the page and try again (nothing was saved)") from exc


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


@dataclass(frozen=True)
class Decision:
    """One change to make: ``status`` accepted/rejected, or None to remove the coding."""

    segment_id: int
    code: str
    status: str | None
    expected_version: int | None = None  # the coding's version the coder saw (0: none); None: no check


def decide_many(session: Session, decisions: Iterable[Decision], coder: str, *, who: str | None = None,
                at: datetime | None = None) -> int:
    """Apply several decisions of one coder as one undoable action; returns how many rows changed.

    Loads the segments, suggestions and existing codings in three queries, so accepting every
    suggestion of a long transcript stays quick.
    """
    who = _check_names(coder, who)
    decisions = list(decisions)
    for d in decisions:
        if d.status not in (STATUS_ACCEPTED, STATUS_REJECTED, None):
            raise DecisionError(f"status must be accepted or rejected, not {d.status!r}")
    if not decisions:
        return 0
    at = at or utcnow()
    seg_ids = sorted({d.segment_id for d in decisions})
    transcript_of = dict(session.execute(select(Segment.id, Segment.transcript_id).where(Segment.id.in_(seg_ids))).all())
    missing = [i for i in seg_ids if i not in transcript_of]
    if missing:
        raise DecisionError(f"no segment with id {missing[0]} (was the transcript re-imported? reload the page)")
    version = current_version(session)
    suggested: dict[tuple[int, str], Suggestion] = {}
    if version is not None:
        for sg in session.scalars(select(Suggestion).where(Suggestion.segment_id.in_(seg_ids),
                                                           Suggestion.codebook_version_id == version.id)):
            suggested[(sg.segment_id, sg.code)] = sg
    existing = {(c.segment_id, c.code): c for c in session.scalars(
        select(Coding).where(Coding.segment_id.in_(seg_ids), Coding.coder == coder))}
    changed = 0
    for d in decisions:
        key = (d.segment_id, d.code)
        coding = existing.get(key)
        expect_version(coding, d.expected_version, f"{coder}'s {d.code} on segment {d.segment_id}")
        if d.status is None:
            if coding is None:
                continue
            before = snapshot(coding)
            session.delete(coding)
            _flush(session)
            del existing[key]
            entry = audit.log(session, who, ACTION_REMOVED, ENTITY, coding.id,
                              transcript_id=transcript_of[d.segment_id], before=before)
        else:
            if coding is not None and coding.status == d.status and not coding.needs_review:
                continue
            before = snapshot(coding) if coding else None
            if coding is None:
                sg = suggested.get(key)
                coding = Coding(segment_id=d.segment_id, code=d.code, coder=coder,
                                origin=ORIGIN_SUGGESTED if sg else ORIGIN_MANUAL, status=d.status,
                                score=sg.score if sg else None, reason=sg.reason if sg else None,
                                codebook_version_id=version.id if version else None)
                session.add(coding)
                existing[key] = coding
            else:
                coding.status = d.status
                coding.needs_review = False
                coding.updated_at = utcnow()
            _flush(session)
            entry = audit.log(session, who, d.status, ENTITY, coding.id, transcript_id=transcript_of[d.segment_id],
                              before=before, after=snapshot(coding))
        entry.at = at
        changed += 1
    _flush(session)
    return changed


def decide(session: Session, segment_id: int, code: str, coder: str, status: str, *,
           who: str | None = None, expected_version: int | None = None) -> Coding:
    """Record ``coder``'s decision (accepted or rejected) on ``code`` for a segment.

    A decision on a code the tagger suggested keeps the suggestion's score and reason
    (origin ``suggested``); any other accepted code is ``manual``. With ``expected_version``
    the decision is refused (`ConflictError`) if the coding changed since that version.
    """
    if status not in (STATUS_ACCEPTED, STATUS_REJECTED):
        raise DecisionError(f"status must be accepted or rejected, not {status!r}")
    decide_many(session, [Decision(segment_id, code, status, expected_version)], coder, who=who)
    return get(session, segment_id, code, coder)


def remove(session: Session, segment_id: int, code: str, coder: str, *, who: str | None = None,
           expected_version: int | None = None) -> bool:
    """Delete ``coder``'s coding of ``code`` on a segment; False if there was none."""
    return decide_many(session, [Decision(segment_id, code, None, expected_version)], coder, who=who) == 1


# --- undo -------------------------------------------------------------------------------------

def _undoable(session: Session, who: str, transcript_id: int) -> Iterator[AuditEntry]:
    """``who``'s coding entries on a transcript that are not undone yet, newest first (read lazily).

    Undo entries cancel the newest not yet cancelled entries, one for one (a stack).
    """
    rows = session.scalars(select(AuditEntry).where(
        AuditEntry.who == who, AuditEntry.transcript_id == transcript_id, AuditEntry.entity == ENTITY,
    ).order_by(AuditEntry.id.desc()).execution_options(yield_per=200))
    pending_undos = 0
    for e in rows:
        if e.action == ACTION_UNDO:
            pending_undos += 1
        elif pending_undos:
            pending_undos -= 1
        else:
            yield e


def last_action(session: Session, who: str, transcript_id: int) -> list[AuditEntry]:
    """The newest action ``who`` can undo on a transcript: its audit entries (several for a bulk action)."""
    group: list[AuditEntry] = []
    for e in _undoable(session, who, transcript_id):
        if group and e.at != group[0].at:
            break
        group.append(e)
    return group


def _restore(session: Session, state: dict | None, key: tuple[int, str, str]) -> tuple[dict | None, dict | None]:
    """Put the coding ``key`` = (segment, code, coder) back into ``state`` (None: no coding)."""
    coding = get(session, *key)
    before = snapshot(coding) if coding else None
    if state is None:
        if coding is not None:
            session.delete(coding)
        return before, None
    if coding is None:
        coding = Coding(segment_id=key[0], code=key[1], coder=key[2])
        session.add(coding)
    for name in _RESTORED_FIELDS:
        if name in state:
            setattr(coding, name, state[name])
    coding.updated_at = utcnow()
    _flush(session)
    return before, snapshot(coding)


def undo_last(session: Session, who: str, transcript_id: int) -> int:
    """Undo ``who``'s newest action on a transcript; returns the number of codings restored (0: nothing to undo)."""
    group = last_action(session, who, transcript_id)
    at = utcnow()
    for e in group:
        state = e.before if e.before is not None else None
        ref = e.before or e.after
        key = (ref["segment_id"], ref["code"], ref["coder"])
        before, after = _restore(session, state, key)
        _flush(session)
        entry = audit.log(session, who, ACTION_UNDO, ENTITY, e.entity_id, transcript_id=transcript_id,
                          before=before, after=after)
        entry.at = at
    _flush(session)
    return len(group)
