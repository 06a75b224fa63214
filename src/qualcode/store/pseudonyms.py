"""The pseudonym mapping (real name -> placeholder), stored apart from the transcripts."""

from __future__ import annotations

from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.orm import Session

from .db import transaction
from .models import Pseudonym, PseudonymCounter

PLACEHOLDER_WORDS = {"person": "Henkilö", "firm": "Yritys"}


def placeholder(session: Session, kind: str, key: str, surface: str) -> str:
    """The placeholder for a name, made on first sight: ``[Henkilö 1]``, ``[Yritys 2]``."""
    row = session.scalar(select(Pseudonym).where(Pseudonym.kind == kind, Pseudonym.key == key))
    if row is not None:
        return row.placeholder
    counter = session.get(PseudonymCounter, kind)
    if counter is None:
        counter = PseudonymCounter(kind=kind, last=0)
        session.add(counter)
    counter.last += 1
    ph = f"[{PLACEHOLDER_WORDS[kind]} {counter.last}]"
    session.add(Pseudonym(kind=kind, key=key, surface=surface[:255], placeholder=ph))
    session.flush()
    return ph


def mapping(session: Session) -> list[dict]:
    rows = session.scalars(select(Pseudonym).order_by(Pseudonym.kind, Pseudonym.id))
    return [{"placeholder": p.placeholder, "kind": p.kind, "name": p.surface, "key": p.key,
             "created_at": p.created_at.isoformat(timespec="seconds")} for p in rows]


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Pseudonym)) or 0


def delete_mapping(engine: Engine) -> int:
    """Delete every name -> placeholder row; on SQLite also wipe the freed pages. Returns rows deleted."""
    with transaction(engine) as session:
        if engine.dialect.name == "sqlite":
            session.execute(text("PRAGMA secure_delete=ON"))
        n = session.execute(delete(Pseudonym)).rowcount or 0
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:  # copies left in the write-ahead log are gone after a checkpoint
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return n
