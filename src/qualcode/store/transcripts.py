"""Storing and reading transcripts, their turns, participants, attributes and annotations."""

from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, selectinload

from ..transcript import TranscriptData
from . import audit
from .models import (
    Annotation,
    Memo,
    Participant,
    ParticipantAttribute,
    Segment,
    Transcript,
    TranscriptAttribute,
    Turn,
    utcnow,
)


def by_name(session: Session, name: str) -> Transcript | None:
    return session.scalar(select(Transcript).where(Transcript.name == name))


def by_hash(session: Session, content_hash: str) -> Transcript | None:
    return session.scalar(select(Transcript).where(Transcript.content_hash == content_hash))


def add_transcript(session: Session, data: TranscriptData, imported_by: str | None = None) -> Transcript:
    """Add an imported transcript with everything it holds (caller commits).

    Written with Core multi-row INSERTs rather than one ORM object per turn: a transcript has
    hundreds of turns and annotations, and import must stay about as fast as reading the file.
    """
    conn = session.connection()
    tid = conn.execute(insert(Transcript.__table__).returning(Transcript.__table__.c.id), {
        "name": data.name, "source_file": data.source_file, "content_hash": data.content_hash, "text": data.text,
        "metadata_text": data.metadata_text, "word_count": data.word_count, "imported_by": imported_by,
        "imported_at": utcnow(),
    }).scalar_one()
    if data.attributes:
        conn.execute(insert(TranscriptAttribute.__table__),
                     [{"transcript_id": tid, "key": k, "value": v} for k, v in sorted(data.attributes.items())])
    people: dict[str, int] = {}
    for p in data.participants:
        people[p.label] = conn.execute(insert(Participant.__table__).returning(Participant.__table__.c.id), {
            "transcript_id": tid, "label": p.label, "role": p.role}).scalar_one()
    rows = [{"participant_id": people[p.label], "key": k, "value": v}
            for p in data.participants for k, v in sorted(p.attributes.items())]
    if rows:
        conn.execute(insert(ParticipantAttribute.__table__), rows)
    if data.turns:
        conn.execute(insert(Turn.__table__), [
            {"transcript_id": tid, "index": i, "speaker": td.speaker, "role": td.role, "start": td.start,
             "end": td.end, "timestamp": td.timestamp, "participant_id": people.get(td.speaker)}
            for i, td in enumerate(data.turns)
        ])
    if data.annotations:
        conn.execute(insert(Annotation.__table__), [
            {"transcript_id": tid, "kind": a.kind, "start": a.start, "end": a.end, "text": a.text}
            for a in data.annotations
        ])
    if data.comments:
        now = utcnow()
        conn.execute(insert(Memo.__table__), [
            {"transcript_id": tid, "coder": c.author or "docx", "text": c.text, "origin": "docx_comment",
             "anchor_start": c.start, "anchor_end": c.end, "created_at": now, "updated_at": now}
            for c in data.comments
        ])
    transcript = session.get(Transcript, tid)
    # Core INSERTs bypass the ORM's audit hook: record the import here.
    audit.queue(session, "imported", "transcript", tid, tid, after=audit.transcript_snapshot(transcript),
                fallback=imported_by)
    return transcript


def delete_transcript(session: Session, transcript: Transcript) -> None:
    session.delete(transcript)
    session.flush()


def list_transcripts(session: Session) -> list[dict]:
    """One row per transcript: attributes and counts of turns, segments and words."""
    turns = dict(session.execute(select(Turn.transcript_id, func.count()).group_by(Turn.transcript_id)).all())
    segs = dict(session.execute(select(Segment.transcript_id, func.count()).group_by(Segment.transcript_id)).all())
    people = dict(session.execute(select(Participant.transcript_id, func.count()).group_by(Participant.transcript_id)
                                  ).all())
    rows = []
    for t in session.scalars(select(Transcript).options(selectinload(Transcript.attributes)).order_by(Transcript.name)):
        rows.append({
            "id": t.id,
            "name": t.name,
            "source_file": t.source_file,
            "attributes": t.attribute_map(),
            "participants": people.get(t.id, 0),
            "turns": turns.get(t.id, 0),
            "segments": segs.get(t.id, 0),
            "words": t.word_count,
            "imported_at": t.imported_at.isoformat(timespec="seconds"),
        })
    return rows


def load(session: Session, name_or_id: str | int) -> Transcript | None:
    """A transcript with its turns, participants and attributes loaded."""
    opts = (selectinload(Transcript.turns), selectinload(Transcript.participants).selectinload(Participant.attributes),
            selectinload(Transcript.attributes), selectinload(Transcript.annotations), selectinload(Transcript.memos))
    if isinstance(name_or_id, int):
        return session.get(Transcript, name_or_id, options=opts)
    return session.scalar(select(Transcript).where(Transcript.name == name_or_id).options(*opts))


def as_dict(t: Transcript) -> dict:
    """The JSON shape of `qualcode show`: what was imported, with offsets into ``text``."""
    return {
        "name": t.name,
        "source_file": t.source_file,
        "attributes": t.attribute_map(),
        "participants": [
            {"label": p.label, "role": p.role, "attributes": p.attribute_map()} for p in t.participants
        ],
        "turns": [
            {"speaker": tr.speaker, "role": tr.role, "text": t.text[tr.start:tr.end], "start": tr.start,
             "end": tr.end, "timestamp": tr.timestamp}
            for tr in t.turns
        ],
        "annotations": [{"kind": a.kind, "text": a.text, "start": a.start, "end": a.end} for a in t.annotations],
        "memos": [
            {"coder": m.coder, "text": m.text, "origin": m.origin, "start": m.anchor_start, "end": m.anchor_end}
            for m in sorted(t.memos, key=lambda m: (m.anchor_start is None, m.anchor_start or 0, m.id))
        ],
        "metadata_text": t.metadata_text,
        "text": t.text,
    }
