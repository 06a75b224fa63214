"""The audit trail in words: what happened to a transcript (or the project), newest first.

The CLI (`qualcode history`) and the app (`ui.history`) show these items; the rows behind
them are written by `store.audit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from .store import audit, transaction
from .store.models import AuditEntry, Segment, Transcript


@dataclass
class HistoryItem:
    id: int
    at: datetime
    who: str
    action: str
    entity: str
    entity_id: int | None
    transcript: str | None
    summary: str
    before: dict | None
    after: dict | None

    def as_json(self) -> dict:
        return {"id": self.id, "at": self.at.isoformat(timespec="seconds"), "who": self.who, "action": self.action,
                "entity": self.entity, "entity_id": self.entity_id, "transcript": self.transcript,
                "summary": self.summary, "before": self.before, "after": self.after}


def _quote(text: str | None, n: int = 60) -> str:
    if not text:
        return ""
    text = " ".join(text.split())
    return f"«{text[:n]}{'…' if len(text) > n else ''}»"


def describe(e: AuditEntry, segments: dict[int, tuple[int, int, str]] | None = None) -> str:
    """One line saying what the entry records."""
    before, after = e.before or {}, e.after or {}
    if e.entity == "coding":
        row = after or before
        seg = (segments or {}).get(row.get("segment_id"))
        where = f"segment {seg[1]} {_quote(seg[2])}" if seg and seg[0] == e.transcript_id else \
            f"segment id {row.get('segment_id')}"
        whose = f" for {row['coder']}" if row.get("coder") and row.get("coder") != e.who else ""
        if e.action == "removed":
            return f"removed {row.get('code')} from {where}{whose}"
        if before and after and before.get("code") != after.get("code"):
            return f"recoded {before.get('code')} as {after.get('code')} on {where}{whose}"
        if before and before.get("status") != after.get("status"):
            return f"changed {row.get('code')} on {where} from {before.get('status')} to {after.get('status')}{whose}"
        return f"{e.action} {row.get('code')} on {where}{whose}"
    if e.entity == "transcript":
        name = after.get("name") or before.get("name")
        if e.action == "imported":
            return f"imported transcript {name} from {after.get('source_file')} ({after.get('word_count')} words)"
        if e.action == "replaced":
            return (f"replaced transcript {name}: {before.get('source_file')} -> {after.get('source_file')} "
                    f"({before.get('codings', 0)} codings of the old version deleted)")
        if e.action == "deleted":
            return (f"deleted transcript {name} with {before.get('codings', 0)} codings and "
                    f"{before.get('memos', 0)} memos")
        if e.action == "segmented":
            return f"segmented transcript {name} (ready for tagging and review)"
        changes = ", ".join(f"{k}: {before.get(k)!s} -> {after.get(k)!s}" for k in sorted({*before, *after}))
        return f"{e.action}: {changes}"
    if e.entity == "memo":
        if e.action == "edited":
            return f"edited memo {e.entity_id}: {_quote(before.get('text'))} -> {_quote(after.get('text'))}"
        return f"{e.action} memo {e.entity_id} {_quote((after or before).get('text'))}"
    if e.entity == "codebook":
        return f"{e.action} codebook {after.get('name')} {after.get('version')}"
    if e.entity == "progress":
        return f"{e.action} (coder {after.get('coder')})"
    if e.entity == "project" and e.action == "restored":
        return f"restored the project from {after.get('file')} ({after.get('kind')})"
    return f"{e.action} {e.entity} {e.entity_id or ''}".strip()


def _items(session, entries: list[AuditEntry]) -> list[HistoryItem]:
    names = dict(session.execute(select(Transcript.id, Transcript.name)).all())
    for t in session.scalars(select(AuditEntry).where(AuditEntry.entity == "transcript")):
        names.setdefault(t.transcript_id, (t.after or t.before or {}).get("name"))
    seg_ids = {(e.after or e.before or {}).get("segment_id") for e in entries if e.entity == "coding"} - {None}
    segments = {sid: (tid, index, text) for sid, tid, index, text in session.execute(
        select(Segment.id, Segment.transcript_id, Segment.index, Segment.text).where(Segment.id.in_(seg_ids)))}
    return [HistoryItem(e.id, e.at, e.who, e.action, e.entity, e.entity_id, names.get(e.transcript_id),
                        describe(e, segments), e.before, e.after) for e in entries]


def project_history(engine: Engine, *, transcript: str | None = None, who: str | None = None,
                    limit: int | None = 200) -> list[HistoryItem]:
    """Newest first; ``transcript`` is a name (a deleted or replaced transcript keeps its history)."""
    with transaction(engine) as s:
        ids = None
        if transcript is not None:
            ids = audit.transcript_ids_named(s, transcript)
            if not ids:
                raise KeyError(f"no transcript named {transcript!r} now or in the history; "
                               "`qualcode transcripts` lists them")
        return _items(s, audit.history(s, transcript_ids=ids, who=who, limit=limit))


def transcript_history(engine: Engine, name: str, limit: int | None = 500) -> list[HistoryItem]:
    """What happened to one transcript and its codings and memos, newest first (for the app)."""
    return project_history(engine, transcript=name, limit=limit)
