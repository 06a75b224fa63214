"""The database schema: what a qualcode project stores.

Offsets (``start``/``end``) are Unicode code points into ``Transcript.text``, end exclusive,
the convention REFI-QDA uses for plain-text selections.

A *suggestion* is the tagger's proposal for a segment under one codebook version; it is shared
by all coders. A *coding* is one coder's decision: a suggestion accepted or rejected, or a code
added by hand. Suggestions are replaced when the codebook changes; codings never are.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLE_INTERVIEWER = "interviewer"
ROLE_PARTICIPANT = "participant"

ORIGIN_SUGGESTED = "suggested"
ORIGIN_MANUAL = "manual"

STATUS_SUGGESTED = "suggested"  # derived: a suggestion the coder has not decided on yet
STATUS_ACCEPTED = "accepted"
STATUS_REJECTED = "rejected"

# The agreed coding after comparing coders is stored as codings of this pseudo-coder;
# the audit log records which researcher adjudicated.
ADJUDICATED = "#adjudicated"


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict: JSON, list: JSON}


class Transcript(Base):
    __tablename__ = "transcripts"
    # Ids are never reused on SQLite either: the audit trail refers to transcripts by id.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    source_file: Mapped[str] = mapped_column(String(1024))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    metadata_text: Mapped[str] = mapped_column(Text, default="")
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    imported_by: Mapped[str | None] = mapped_column(String(255))
    # Set when segmentation (sentences inside turns) has run; import alone leaves it empty.
    segmented_at: Mapped[datetime | None] = mapped_column(DateTime)

    attributes: Mapped[list[TranscriptAttribute]] = relationship(
        back_populates="transcript", cascade="all, delete-orphan", order_by="TranscriptAttribute.key"
    )
    participants: Mapped[list[Participant]] = relationship(
        back_populates="transcript", cascade="all, delete-orphan", order_by="Participant.id"
    )
    turns: Mapped[list[Turn]] = relationship(
        back_populates="transcript", cascade="all, delete-orphan", order_by="Turn.index"
    )
    segments: Mapped[list[Segment]] = relationship(
        back_populates="transcript", cascade="all, delete-orphan", order_by="Segment.index"
    )
    annotations: Mapped[list[Annotation]] = relationship(
        back_populates="transcript", cascade="all, delete-orphan", order_by="Annotation.start"
    )
    memos: Mapped[list[Memo]] = relationship(back_populates="transcript", cascade="all, delete-orphan")

    def attribute_map(self) -> dict[str, str]:
        return {a.key: a.value for a in self.attributes}


class TranscriptAttribute(Base):
    __tablename__ = "transcript_attributes"

    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(1000))

    transcript: Mapped[Transcript] = relationship(back_populates="attributes")


class Participant(Base):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("transcript_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=ROLE_PARTICIPANT)

    transcript: Mapped[Transcript] = relationship(back_populates="participants")
    attributes: Mapped[list[ParticipantAttribute]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", order_by="ParticipantAttribute.key"
    )

    def attribute_map(self) -> dict[str, str]:
        return {a.key: a.value for a in self.attributes}


class ParticipantAttribute(Base):
    __tablename__ = "participant_attributes"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(1000))

    participant: Mapped[Participant] = relationship(back_populates="attributes")


class Turn(Base):
    __tablename__ = "turns"

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))
    index: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    timestamp: Mapped[str | None] = mapped_column(String(20))

    transcript: Mapped[Transcript] = relationship(back_populates="turns")
    participant: Mapped[Participant | None] = relationship()
    segments: Mapped[list[Segment]] = relationship(back_populates="turn", order_by="Segment.index")


class Annotation(Base):
    """A time stamp or transcriber's note kept in the text but hidden from the tagger."""

    __tablename__ = "annotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # timestamp | annotation | pause
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(1000))

    transcript: Mapped[Transcript] = relationship(back_populates="annotations")


class Segment(Base):
    """A sentence inside one speaker turn: the unit that gets coded."""

    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("transcript_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    turn_id: Mapped[int] = mapped_column(ForeignKey("turns.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))
    word_count: Mapped[int] = mapped_column(Integer, default=0)

    transcript: Mapped[Transcript] = relationship(back_populates="segments")
    turn: Mapped[Turn] = relationship(back_populates="segments")
    suggestions: Mapped[list[Suggestion]] = relationship(
        back_populates="segment", cascade="all, delete-orphan", order_by="Suggestion.score.desc()"
    )
    codings: Mapped[list[Coding]] = relationship(back_populates="segment", cascade="all, delete-orphan")


class CodebookVersion(Base):
    __tablename__ = "codebook_versions"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(50))
    content_hash: Mapped[str] = mapped_column(String(64))
    yaml_text: Mapped[str] = mapped_column(Text)
    source_path: Mapped[str | None] = mapped_column(String(1024))
    applied_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)


class SegmentTagging(Base):
    """Records that a segment was tagged under a codebook version, even when nothing was suggested."""

    __tablename__ = "segment_taggings"

    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True)
    codebook_version_id: Mapped[int] = mapped_column(
        ForeignKey("codebook_versions.id", ondelete="CASCADE"), primary_key=True
    )
    tagged_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    segment: Mapped[Segment] = relationship()


class Suggestion(Base):
    __tablename__ = "suggestions"
    __table_args__ = (UniqueConstraint("segment_id", "codebook_version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    codebook_version_id: Mapped[int] = mapped_column(ForeignKey("codebook_versions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(100))
    score: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(50))  # rule | example | model, or several joined by "+"
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    segment: Mapped[Segment] = relationship(back_populates="suggestions")


class Coding(Base):
    """One coder's decision on one code for one segment."""

    __tablename__ = "codings"
    __table_args__ = (
        UniqueConstraint("segment_id", "code", "coder"),
        Index("ix_codings_code_status", "code", "status"),
        # Covering indexes for matrices: a segment's codes by status (any coder, or one coder).
        Index("ix_codings_status_segment", "status", "segment_id", "code", "coder"),
        Index("ix_codings_coder_status_segment", "coder", "status", "segment_id", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(100))
    coder: Mapped[str] = mapped_column(String(255), index=True)
    origin: Mapped[str] = mapped_column(String(20))  # suggested | manual
    status: Mapped[str] = mapped_column(String(20))  # accepted | rejected
    score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text)
    codebook_version_id: Mapped[int | None] = mapped_column(ForeignKey("codebook_versions.id"))
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    segment: Mapped[Segment] = relationship(back_populates="codings")

    __mapper_args__ = {"version_id_col": version}


class CodingMigration(Base):
    """How a coding followed a codebook change: moved (renamed/merged), folded into another, or flagged (split).

    Written by `qualcode codebook apply`. The coding keeps ``codebook_version_id`` (the version it
    was made under); this log keeps its earlier code, so the first row of a coding holds its
    original code. A coding folded into an identical one is deleted, and its row is kept here
    in ``snapshot``.
    """

    __tablename__ = "coding_migrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    codebook_version_id: Mapped[int] = mapped_column(ForeignKey("codebook_versions.id", ondelete="CASCADE"),
                                                     index=True)  # the version whose apply did this
    from_version_id: Mapped[int | None] = mapped_column(ForeignKey("codebook_versions.id", ondelete="SET NULL"))
    coding_id: Mapped[int] = mapped_column(Integer, index=True)  # no FK: folded codings are deleted
    into_coding_id: Mapped[int | None] = mapped_column(Integer)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    coder: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))  # renamed | merged | split | folded
    from_code: Mapped[str] = mapped_column(String(100))
    to_code: Mapped[str | None] = mapped_column(String(100))
    made_under_version_id: Mapped[int | None] = mapped_column(Integer)
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    migrated_by: Mapped[str] = mapped_column(String(255))
    migrated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Memo(Base):
    __tablename__ = "memos"

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="SET NULL"))
    coder: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(20), default="manual")  # manual | docx_comment
    anchor_start: Mapped[int | None] = mapped_column(Integer)
    anchor_end: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Optimistic concurrency: an edit of a memo someone else changed meanwhile is refused.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    transcript: Mapped[Transcript] = relationship(back_populates="memos")

    __mapper_args__ = {"version_id_col": version}


class CoderProgress(Base):
    """Per coder and transcript: done or not (blind coding reveals others' codings when done)."""

    __tablename__ = "coder_progress"

    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), primary_key=True)
    coder: Mapped[str] = mapped_column(String(255), primary_key=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditEntry(Base):
    """One change: who, when, what (entity and id), the row before and after (None = did not exist)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    who: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    transcript_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class ModelState(Base):
    """A trained suggestion model (pickled scikit-learn estimator) with its cross-validated scores."""

    __tablename__ = "model_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    codebook_name: Mapped[str] = mapped_column(String(255))
    n_decisions: Mapped[int] = mapped_column(Integer)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    blob: Mapped[bytes] = mapped_column(LargeBinary)


class Pseudonym(Base):
    """Which real name a placeholder such as ``[Henkilö 3]`` stands for.

    The key to re-identification, so it is kept apart from the transcripts (which only hold
    the placeholders) and can be deleted on its own (``qualcode pseudonyms delete``).
    """

    __tablename__ = "pseudonyms"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # person | firm
    key: Mapped[str] = mapped_column(String(255))  # the name in base form, lower case
    surface: Mapped[str] = mapped_column(String(255))  # the name as first seen
    placeholder: Mapped[str] = mapped_column(String(50), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PseudonymCounter(Base):
    """The last placeholder number per kind; survives deleting the mapping so numbers are never reused."""

    __tablename__ = "pseudonym_counters"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class CodeSetCount(Base):
    """How many units of one speaker carry each set of accepted codes: what matrices read.

    Kept by `store.set_counts` (see there), one row per transcript, speaker (``participant_id``),
    unit (``s`` segment, ``t`` turn) and coder (``""`` for anyone). ``sets`` packs that speaker's
    code sets as little-endian int64 triples (set key, units, words); the key names a row of
    `CodeSetName`. Segments with no code count under the empty set, for anyone only, so the
    rows also hold what each speaker said in all. Packed, because a million codings make a few
    hundred thousand (speaker, set) pairs, which numpy reads from a few thousand rows at once.
    """

    __tablename__ = "code_set_counts"
    __table_args__ = (Index("ix_code_set_counts_read", "unit", "coder", "transcript_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(1))
    coder: Mapped[str] = mapped_column(String(255))
    sets: Mapped[bytes] = mapped_column(LargeBinary)


class CodeSetName(Base):
    """The codes of a set (sorted, joined by ``\x1f``) by its key: 64 bits of its BLAKE2b hash,
    the same in every process, so concurrent refreshes never disagree on a key."""

    __tablename__ = "code_set_names"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    codes: Mapped[str] = mapped_column(Text)


class StaleCodeSets(Base):
    """Transcripts whose `CodeSetCount` rows are out of date: marked by triggers, cleared by a refresh.

    No foreign key: a transcript being deleted is marked by its segments' triggers on the way.
    """

    __tablename__ = "code_sets_stale"

    transcript_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
