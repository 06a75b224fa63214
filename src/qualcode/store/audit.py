"""The audit trail: who changed what, when, with the row before and after.

A session hook logs every change made through the ORM, whichever module makes it:
transcripts (imported, replaced, attributes changed, segmented, deleted), codings (decided,
changed, removed), memos (created, edited, deleted), codebook versions (added, applied) and
coders' progress (marked done, reopened). Entries are collected at each flush and written at
commit, in the same transaction as the change: a rolled-back change leaves no entry. Code
that logs a change itself with `log` (as `store.codings` does, in the coder's words) is not
logged twice. Bulk ``update()``/``delete()`` statements bypass the ORM and must call `log`.

Who: ``session.info["who"]``, else the name set with `acting_as` / `set_actor` (the app's
coder), else ``QUALCODE_USER``, else the row's own author (the memo's coder, the
transcript's importer), else the operating-system user.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event, func, insert, inspect, select
from sqlalchemy.orm import Session

from .models import (
    AuditEntry,
    CoderProgress,
    CodebookVersion,
    Coding,
    Memo,
    Segment,
    Transcript,
    TranscriptAttribute,
)

_actor: ContextVar[str | None] = ContextVar("qualcode_actor", default=None)
_process_actor: str | None = None
_PENDING = "qualcode_audit_pending"
_EXPLICIT = "qualcode_audit_explicit"


def set_actor(who: str | None) -> None:
    """The person this process acts for (the CLI sets it once)."""
    global _process_actor
    _process_actor = who.strip() if who and who.strip() else None


@contextmanager
def acting_as(who: str | None) -> Iterator[None]:
    """Attribute changes made inside the block to ``who`` (the app wraps a coder's actions)."""
    token = _actor.set(who.strip() if who and who.strip() else None)
    try:
        yield
    finally:
        _actor.reset(token)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user database entry (some containers)
        return "unknown"


def actor(session: Session | None = None, fallback: str | None = None) -> str:
    return ((session.info.get("who") if session is not None else None) or _actor.get() or _process_actor
            or os.environ.get("QUALCODE_USER", "").strip() or fallback or _os_user())


def log(session: Session, who: str, action: str, entity: str, entity_id: int | None, *,
        transcript_id: int | None = None, before: dict | None = None, after: dict | None = None) -> AuditEntry:
    """Record a change; a person set with `acting_as` (e.g. the researcher adjudicating) overrides ``who``."""
    explicit = session.info.get("who") or _actor.get() or _process_actor
    entry = AuditEntry(who=explicit or who, action=action, entity=entity, entity_id=entity_id,
                       transcript_id=transcript_id, before=before, after=after)
    session.add(entry)
    session.info.setdefault(_EXPLICIT, set()).add((entity, entity_id))
    return entry


def history(session: Session, *, transcript_id: int | None = None, transcript_ids: set[int] | None = None,
            who: str | None = None, entity: str | None = None, limit: int | None = 200) -> list[AuditEntry]:
    """Newest first."""
    q = select(AuditEntry).order_by(AuditEntry.id.desc())
    if limit:
        q = q.limit(limit)
    if transcript_id is not None:
        q = q.where(AuditEntry.transcript_id == transcript_id)
    if transcript_ids is not None:
        q = q.where(AuditEntry.transcript_id.in_(sorted(transcript_ids)))
    if who is not None:
        q = q.where(AuditEntry.who == who)
    if entity is not None:
        q = q.where(AuditEntry.entity == entity)
    return list(session.scalars(q))


def transcript_ids_named(session: Session, name: str) -> set[int]:
    """Every id a transcript of this name has had (a replaced or deleted one keeps its history)."""
    ids = set(session.scalars(select(Transcript.id).where(Transcript.name == name)))
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.entity == "transcript")):
        if name in ((entry.before or {}).get("name"), (entry.after or {}).get("name")):
            ids.add(entry.transcript_id)
    ids.discard(None)
    return ids


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


# --- snapshots --------------------------------------------------------------------------------

def transcript_snapshot(t: Transcript) -> dict:
    state = inspect(t)
    snap = {"name": t.name, "source_file": t.source_file, "content_hash": t.content_hash,
            "word_count": t.word_count, "imported_by": t.imported_by}
    if "attributes" not in state.unloaded:
        snap["attributes"] = {a.key: a.value for a in t.attributes}
    return snap


def memo_snapshot(m: Memo) -> dict:
    return {"text": m.text, "coder": m.coder, "segment_id": m.segment_id, "anchor_start": m.anchor_start,
            "anchor_end": m.anchor_end, "origin": m.origin}


def coding_snapshot(c: Coding) -> dict:
    return {"segment_id": c.segment_id, "code": c.code, "coder": c.coder, "origin": c.origin, "status": c.status,
            "score": c.score, "reason": c.reason, "codebook_version_id": c.codebook_version_id,
            "needs_review": c.needs_review, "version": c.version}


def _coding_transcript(session: Session, c: Coding) -> int | None:
    segment = session.get(Segment, c.segment_id) if c.segment_id is not None else None
    return segment.transcript_id if segment is not None else None


def codebook_snapshot(v: CodebookVersion) -> dict:
    return {"name": v.name, "version": v.version, "content_hash": v.content_hash, "source_path": v.source_path,
            "is_current": v.is_current}


def _old_values(obj, keys) -> tuple[dict, dict]:
    """(before, after) of the changed columns among ``keys``."""
    before, after = {}, {}
    state = inspect(obj)
    for key in keys:
        hist = state.attrs[key].history
        if hist.has_changes():
            before[key] = hist.deleted[0] if hist.deleted else None
            after[key] = hist.added[0] if hist.added else None
    return before, after


def _jsonable(value):
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="seconds")
    return value


# --- the session hook -------------------------------------------------------------------------

def _pending(session: Session) -> list[dict]:
    return session.info.setdefault(_PENDING, [])


def _entry(session, action, entity, entity_id, transcript_id, before=None, after=None, fallback=None) -> dict:
    return {"who": actor(session, fallback), "action": action, "entity": entity, "entity_id": entity_id,
            "transcript_id": transcript_id, "before": before, "after": after}


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _ctx, _instances) -> None:
    """Deletions are recorded before the rows go (afterwards their values cannot be loaded)."""
    deleted_transcripts = {t.id for t in session.deleted if isinstance(t, Transcript)}
    with session.no_autoflush:
        for obj in list(session.deleted):
            if isinstance(obj, Transcript):
                snap = transcript_snapshot(obj)
                snap["codings"] = session.scalar(
                    select(func.count()).select_from(Coding).join(Segment).where(Segment.transcript_id == obj.id))
                snap["memos"] = session.scalar(
                    select(func.count()).select_from(Memo).where(Memo.transcript_id == obj.id))
                _pending(session).append(_entry(session, "deleted", "transcript", obj.id, obj.id, before=snap))
            elif isinstance(obj, Memo) and obj.transcript_id not in deleted_transcripts:
                _pending(session).append(_entry(session, "deleted", "memo", obj.id, obj.transcript_id,
                                                before=memo_snapshot(obj), fallback=obj.coder))
            elif isinstance(obj, Coding):
                tid = _coding_transcript(session, obj)
                if tid not in deleted_transcripts:
                    _pending(session).append(_entry(session, "removed", "coding", obj.id, tid,
                                                    before=coding_snapshot(obj), fallback=obj.coder))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx) -> None:
    """Inserts and updates, now that new rows have ids (the objects still show what changed)."""
    new_transcripts = {t.id for t in session.new if isinstance(t, Transcript)}
    attr_changes: dict[int, tuple[dict, dict]] = {}
    for obj in session.new:
        if isinstance(obj, Transcript):
            _pending(session).append(_entry(session, "imported", "transcript", obj.id, obj.id,
                                            after=transcript_snapshot(obj), fallback=obj.imported_by))
        elif isinstance(obj, Memo) and obj.transcript_id not in new_transcripts:
            _pending(session).append(_entry(session, "created", "memo", obj.id, obj.transcript_id,
                                            after=memo_snapshot(obj), fallback=obj.coder))
        elif isinstance(obj, CodebookVersion):
            _pending(session).append(_entry(session, "added", "codebook", obj.id, None,
                                            after=codebook_snapshot(obj)))
        elif isinstance(obj, Coding):
            _pending(session).append(_entry(session, obj.status, "coding", obj.id, _coding_transcript(session, obj),
                                            after=coding_snapshot(obj), fallback=obj.coder))
        elif isinstance(obj, CoderProgress) and obj.done:
            _pending(session).append(_entry(session, "marked done", "progress", obj.transcript_id, obj.transcript_id,
                                            after={"coder": obj.coder, "done": True}, fallback=obj.coder))
        elif isinstance(obj, TranscriptAttribute) and obj.transcript_id not in new_transcripts:
            before, after = attr_changes.setdefault(obj.transcript_id, ({}, {}))
            before[obj.key], after[obj.key] = None, obj.value
    for obj in session.dirty:
        if not session.is_modified(obj, include_collections=False):
            continue
        if isinstance(obj, Transcript):
            before, after = _old_values(obj, ("name", "source_file", "segmented_at", "imported_by"))
            if set(after) == {"segmented_at"}:
                _pending(session).append(_entry(session, "segmented", "transcript", obj.id, obj.id,
                                                after={"name": obj.name,
                                                       "segmented_at": _jsonable(after["segmented_at"])}))
            elif after:
                _pending(session).append(_entry(session, "updated", "transcript", obj.id, obj.id,
                                                before={k: _jsonable(v) for k, v in before.items()},
                                                after={k: _jsonable(v) for k, v in after.items()}))
        elif isinstance(obj, Coding):
            before, after = _old_values(obj, ("code", "status", "coder", "segment_id", "note", "needs_review",
                                              "codebook_version_id"))
            if after:
                old = {**coding_snapshot(obj), **before, "version": obj.version - 1}
                _pending(session).append(_entry(session, obj.status, "coding", obj.id,
                                                _coding_transcript(session, obj), before=old,
                                                after=coding_snapshot(obj), fallback=obj.coder))
        elif isinstance(obj, Memo):
            before, after = _old_values(obj, ("text", "segment_id", "anchor_start", "anchor_end", "coder"))
            if after:
                _pending(session).append(_entry(session, "edited", "memo", obj.id, obj.transcript_id,
                                                before=before, after=after, fallback=obj.coder))
        elif isinstance(obj, CodebookVersion):
            before, after = _old_values(obj, ("is_current",))
            if after.get("is_current"):
                _pending(session).append(_entry(session, "applied", "codebook", obj.id, None,
                                                before={"is_current": False}, after=codebook_snapshot(obj)))
        elif isinstance(obj, CoderProgress):
            before, after = _old_values(obj, ("done",))
            if "done" in after:
                _pending(session).append(_entry(session, "marked done" if obj.done else "reopened", "progress",
                                                obj.transcript_id, obj.transcript_id, after={"coder": obj.coder,
                                                                                "done": obj.done},
                                                fallback=obj.coder))
        elif isinstance(obj, TranscriptAttribute):
            old, new = _old_values(obj, ("value",))
            if new:
                before, after = attr_changes.setdefault(obj.transcript_id, ({}, {}))
                before.setdefault(obj.key, old["value"])
                after[obj.key] = new["value"]
    for obj in session.deleted:
        if isinstance(obj, TranscriptAttribute) and obj.transcript_id not in {
                t.id for t in session.deleted if isinstance(t, Transcript)}:
            before, after = attr_changes.setdefault(obj.transcript_id, ({}, {}))
            before.setdefault(obj.key, obj.value)
            after[obj.key] = None
    for tid, (before, after) in attr_changes.items():
        _pending(session).append(_entry(session, "attributes changed", "transcript", tid, tid,
                                        before=before, after=after))


def queue(session: Session, action: str, entity: str, entity_id: int | None, transcript_id: int | None, *,
          before: dict | None = None, after: dict | None = None, fallback: str | None = None) -> None:
    """Log a change the hook cannot see (Core INSERTs) as if it had: written at commit, coalesced
    with the hook's own entries (a transcript deleted and imported again is "replaced")."""
    _pending(session).append(_entry(session, action, entity, entity_id, transcript_id, before=before, after=after,
                                    fallback=fallback))


def _coalesce(entries: list[dict]) -> list[dict]:
    """A transcript deleted and imported again under its name in one transaction was replaced."""
    deleted = {e["before"]["name"]: e for e in entries
               if e["entity"] == "transcript" and e["action"] == "deleted" and e["before"]}
    out = []
    for e in entries:
        if e["entity"] == "transcript" and e["action"] == "imported" and e["after"]["name"] in deleted:
            old = deleted.pop(e["after"]["name"])
            e = {**e, "action": "replaced", "before": old["before"]}
            out = [x for x in out if x is not old]
        out.append(e)
    return out


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.info.get(_PENDING) is None and not (session.new or session.dirty or session.deleted):
        session.info.pop(_EXPLICIT, None)
        return
    session.flush()  # what commit would flush next must be collected first
    entries = session.info.pop(_PENDING, None)
    explicit = session.info.pop(_EXPLICIT, set())
    entries = [e for e in entries or [] if (e["entity"], e["entity_id"]) not in explicit]
    if entries:
        session.connection().execute(insert(AuditEntry.__table__), _coalesce(entries))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_EXPLICIT, None)
