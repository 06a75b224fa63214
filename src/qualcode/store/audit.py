"""The audit trail: who changed what, when, with the row before and after."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import AuditEntry


def log(session: Session, who: str, action: str, entity: str, entity_id: int | None, *,
        transcript_id: int | None = None, before: dict | None = None, after: dict | None = None) -> AuditEntry:
    entry = AuditEntry(who=who, action=action, entity=entity, entity_id=entity_id, transcript_id=transcript_id,
                       before=before, after=after)
    session.add(entry)
    return entry


def history(session: Session, *, transcript_id: int | None = None, who: str | None = None,
            limit: int = 200) -> list[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if transcript_id is not None:
        q = q.where(AuditEntry.transcript_id == transcript_id)
    if who is not None:
        q = q.where(AuditEntry.who == who)
    return list(session.scalars(q))
