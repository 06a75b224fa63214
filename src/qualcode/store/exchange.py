"""Whole-project reads and writes for exchange with other QDA software (REFI-QDA).

The export reads one consistent snapshot of everything a project holds; the import adds
transcripts, segments, codings and memos inside the caller's transaction. Offsets are code
points into ``Transcript.text``, end exclusive.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from . import audit
from .models import (
    ROLE_INTERVIEWER,
    STATUS_ACCEPTED,
    CodebookVersion,
    Coding,
    Memo,
    Participant,
    Segment,
    Transcript,
    TranscriptAttribute,
    Turn,
    utcnow,
)


@dataclass
class SpeakerRecord:
    label: str
    role: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class TranscriptRecord:
    name: str
    text: str
    imported_at: datetime | None
    imported_by: str | None
    attributes: dict[str, str]
    speakers: list[SpeakerRecord]


@dataclass
class CodingRecord:
    transcript: str
    start: int
    end: int
    code: str
    coder: str
    created_at: datetime | None
    updated_at: datetime | None
    note: str | None


@dataclass
class MemoRecord:
    transcript: str
    coder: str
    text: str
    origin: str
    start: int | None
    end: int | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass
class CodebookRecord:
    name: str
    version: str
    yaml_text: str
    applied_at: datetime | None
    is_current: bool


@dataclass
class ProjectSnapshot:
    transcripts: list[TranscriptRecord]
    codings: list[CodingRecord]
    memos: list[MemoRecord]
    codebooks: list[CodebookRecord]


def _speakers(t: Transcript, turn_roles: dict[str, set[str]]) -> list[SpeakerRecord]:
    """Participants with the role their turns have (an interviewer if any of their turns is one)."""
    out = []
    for p in sorted(t.participants, key=lambda p: p.label):
        roles = turn_roles.get(p.label, set())
        role = ROLE_INTERVIEWER if ROLE_INTERVIEWER in roles else (next(iter(roles)) if roles else p.role)
        out.append(SpeakerRecord(p.label, role, p.attribute_map()))
    known = {p.label for p in t.participants}
    for label in sorted(set(turn_roles) - known):
        roles = turn_roles[label]
        out.append(SpeakerRecord(label, ROLE_INTERVIEWER if ROLE_INTERVIEWER in roles else next(iter(roles))))
    return out


def project_snapshot(session: Session) -> ProjectSnapshot:
    """Everything a REFI-QDA export needs: transcripts, accepted codings, memos, codebook versions."""
    transcripts = []
    query = select(Transcript).options(
        selectinload(Transcript.attributes),
        selectinload(Transcript.participants).selectinload(Participant.attributes),
    ).order_by(Transcript.name)
    roles: dict[int, dict[str, set[str]]] = {}
    for tid, speaker, role in session.execute(select(Turn.transcript_id, Turn.speaker, Turn.role).distinct()):
        roles.setdefault(tid, {}).setdefault(speaker, set()).add(role)
    for t in session.scalars(query):
        transcripts.append(TranscriptRecord(t.name, t.text, t.imported_at, t.imported_by, t.attribute_map(),
                                            _speakers(t, roles.get(t.id, {}))))
    codings = [
        CodingRecord(*row)
        for row in session.execute(
            select(Transcript.name, Segment.start, Segment.end, Coding.code, Coding.coder, Coding.created_at,
                   Coding.updated_at, Coding.note)
            .join(Segment, Coding.segment_id == Segment.id)
            .join(Transcript, Segment.transcript_id == Transcript.id)
            .where(Coding.status == STATUS_ACCEPTED)
            .order_by(Transcript.name, Segment.start, Segment.end, Coding.coder, Coding.code))
    ]
    memos = []
    for m, name, seg_start, seg_end in session.execute(
            select(Memo, Transcript.name, Segment.start, Segment.end)
            .join(Transcript, Memo.transcript_id == Transcript.id)
            .outerjoin(Segment, Memo.segment_id == Segment.id)
            .order_by(Transcript.name, Memo.id)):
        start, end = (m.anchor_start, m.anchor_end) if m.anchor_start is not None else (seg_start, seg_end)
        if start is not None and (end is None or end < start):
            end = start
        memos.append(MemoRecord(name, m.coder, m.text, m.origin, start, end, m.created_at, m.updated_at))
    # Content order, not database ids, so a project imported elsewhere exports the same way.
    memos.sort(key=lambda m: (m.transcript, m.start is None, m.start or 0, m.end or 0, m.created_at or datetime.min,
                              m.coder, m.text))
    books = [CodebookRecord(v.name, v.version, v.yaml_text, v.applied_at, v.is_current)
             for v in session.scalars(select(CodebookVersion).order_by(CodebookVersion.applied_at,
                                                                       CodebookVersion.id))]
    return ProjectSnapshot(transcripts, codings, memos, books)


# ---- import side -------------------------------------------------------------------------------------


@dataclass
class ExistingTranscript:
    id: int
    name: str
    text: str
    segmented: bool
    attributes: dict[str, str]
    turns: list[tuple[int, int, str]]  # start, end, role
    annotations: list[tuple[int, int]]


def _existing(t: Transcript) -> ExistingTranscript:
    return ExistingTranscript(t.id, t.name, t.text, t.segmented_at is not None, t.attribute_map(),
                              [(tr.start, tr.end, tr.role) for tr in t.turns],
                              [(a.start, a.end) for a in t.annotations])


def existing_transcripts(session: Session, names: list[str], texts: list[str]) -> tuple[
        dict[str, ExistingTranscript], dict[str, ExistingTranscript]]:
    """Transcripts already in the project with one of ``names``, and (by text) those holding one of ``texts``."""
    opts = (selectinload(Transcript.attributes), selectinload(Transcript.turns),
            selectinload(Transcript.annotations))
    by_name = {t.name: _existing(t) for t in session.scalars(select(Transcript).where(Transcript.name.in_(names))
                                                            .options(*opts))}
    lengths = {len(x) for x in texts}
    wanted = set(texts)
    by_text: dict[str, ExistingTranscript] = {}
    for tid, length in session.execute(select(Transcript.id, func.length(Transcript.text)).order_by(Transcript.id)):
        if length in lengths:
            t = session.get(Transcript, tid, options=opts)
            if t.text in wanted:
                by_text.setdefault(t.text, _existing(t))
    return by_name, by_text


def codebook_row(session: Session, name: str, version: str) -> CodebookVersion | None:
    return session.scalar(select(CodebookVersion).where(CodebookVersion.name == name,
                                                        CodebookVersion.version == version))


def turns_of(session: Session, transcript_id: int) -> list[Turn]:
    return list(session.scalars(select(Turn).where(Turn.transcript_id == transcript_id).order_by(Turn.index)))


def segments_by_offsets(session: Session, transcript_id: int) -> dict[tuple[int, int], int]:
    """(start, end) -> segment id (the first such segment when several share offsets)."""
    out: dict[tuple[int, int], int] = {}
    for sid, start, end in session.execute(select(Segment.id, Segment.start, Segment.end)
                                           .where(Segment.transcript_id == transcript_id).order_by(Segment.id)):
        out.setdefault((start, end), sid)
    return out


def add_segments(session: Session, transcript_id: int, spans: list[tuple[int, int, Turn]], text: str,
                 mark_segmented: bool) -> None:
    """Add segments (start, end, turn) and number all the transcript's segments in text order."""
    for i, (start, end, turn) in enumerate(spans):
        piece = text[start:end]
        session.add(Segment(transcript_id=transcript_id, turn_id=turn.id, index=-1 - i,
                            start=start, end=end, text=piece, role=turn.role, word_count=len(piece.split())))
    session.flush()
    segs = list(session.scalars(select(Segment).where(Segment.transcript_id == transcript_id)))
    segs.sort(key=lambda s: (s.start, -s.end, s.id))
    offset = max([s.index for s in segs] + [0]) + len(segs) + 1
    for i, seg in enumerate(segs):  # two passes keep (transcript_id, index) unique at every flush
        seg.index = offset + i
    session.flush()
    for i, seg in enumerate(segs):
        seg.index = i
    session.flush()
    if mark_segmented:
        session.execute(update(Transcript).where(Transcript.id == transcript_id).values(segmented_at=utcnow()))


def add_attributes(session: Session, transcript_id: int, attributes: dict[str, str]) -> None:
    for key, value in sorted(attributes.items()):
        session.add(TranscriptAttribute(transcript_id=transcript_id, key=key, value=value))


def decisions_of(session: Session, transcript_id: int) -> dict[tuple[int, str, str], str]:
    """(segment id, code, coder) -> status of every coding on the transcript."""
    return {(sid, code, coder): status for sid, code, coder, status in session.execute(
        select(Coding.segment_id, Coding.code, Coding.coder, Coding.status)
        .join(Segment, Coding.segment_id == Segment.id).where(Segment.transcript_id == transcript_id))}


@dataclass
class NewCoding:
    segment_id: int
    code: str
    coder: str
    created_at: datetime | None
    updated_at: datetime | None
    note: str | None


def add_imported_codings(session: Session, transcript_id: int, rows: list[NewCoding],
                         codebook_version_id: int | None, source: str) -> None:
    """Accepted codings brought in from another tool (origin manual), each audited as imported."""
    now = utcnow()
    added = []
    for r in rows:
        coding = Coding(segment_id=r.segment_id, code=r.code, coder=r.coder, origin="manual", status=STATUS_ACCEPTED,
                        codebook_version_id=codebook_version_id, note=r.note, created_at=r.created_at or now,
                        updated_at=r.updated_at or r.created_at or now)
        session.add(coding)
        added.append(coding)
    session.flush()
    for c in added:
        audit.log(session, c.coder, "imported", "coding", c.id, transcript_id=transcript_id,
                  after={"segment_id": c.segment_id, "code": c.code, "coder": c.coder, "status": STATUS_ACCEPTED,
                         "source": source})


def memo_keys(session: Session, transcript_id: int) -> Counter:
    """How many memos the transcript has per (coder, text, anchor start, anchor end)."""
    return Counter(session.execute(select(Memo.coder, Memo.text, Memo.anchor_start, Memo.anchor_end)
                                   .where(Memo.transcript_id == transcript_id)).all())


def add_memo(session: Session, *, transcript_id: int, coder: str, text: str, origin: str, start: int | None,
             end: int | None, segment_id: int | None, created_at: datetime | None,
             updated_at: datetime | None) -> Memo:
    now = utcnow()
    memo = Memo(transcript_id=transcript_id, segment_id=segment_id, coder=coder, text=text, origin=origin,
                anchor_start=start, anchor_end=end, created_at=created_at or now,
                updated_at=updated_at or created_at or now)
    session.add(memo)
    return memo


def set_imported_at(session: Session, transcript_id: int, when: datetime | None) -> None:
    if when is not None:
        session.execute(update(Transcript).where(Transcript.id == transcript_id).values(imported_at=when))


def set_applied_at(session: Session, version_id: int, when: datetime | None) -> None:
    if when is not None:
        session.execute(update(CodebookVersion).where(CodebookVersion.id == version_id).values(applied_at=when))
