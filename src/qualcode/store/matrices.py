"""Aggregation queries behind theme matrices, co-occurrence and framework quotes.

Everything here counts *coded units*: (code, segment) pairs that pass the filters (accepted
codings of one coder, of the adjudicated pseudo-coder or of anyone; optionally open
suggestions too), with interviewer segments left out. Counting queries return rows grouped
by code set and speaker (transcript, participant), so the caller rolls sub-codes up and maps
speakers to any attribute's groups in memory, without another trip to the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple
from datetime import datetime

from sqlalchemy import BigInteger, and_, case, cast, distinct, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from . import set_counts
from .set_groups import (  # noqa: F401  (the constants are this module's API too)
    BY_PARTICIPANT,
    BY_TRANSCRIPT,
    MASK_BITS,
    MISSING,
    OTHER,
    group_namer,
    grouped_sets,
)

from .models import (
    ROLE_INTERVIEWER,
    STATUS_ACCEPTED,
    STATUS_REJECTED,
    AuditEntry,
    CodebookVersion,
    Coding,
    Memo,
    Participant,
    ParticipantAttribute,
    Segment,
    Suggestion,
    Transcript,
    TranscriptAttribute,
    Turn,
)



@dataclass(frozen=True)
class UnitFilter:
    """Which codings count: ``status`` accepted or all (plus open suggestions), whose (``coder``)."""

    status: str = "accepted"
    coder: str | None = None
    version_id: int | None = None  # the codebook version whose suggestions count for status=all
    transcript_ids: tuple[int, ...] | None = None


def _raw_units(f: UnitFilter):
    """(code, segment_id, score) rows, one per coder's accepted coding (and open suggestion)."""
    accepted = select(Coding.code.label("code"), Coding.segment_id.label("segment_id"),
                      Coding.score.label("score")).where(Coding.status == STATUS_ACCEPTED)
    if f.coder:
        accepted = accepted.where(Coding.coder == f.coder)
    if f.status == "accepted" or f.version_id is None:
        return accepted
    rejected = select(literal(1)).where(and_(Coding.segment_id == Suggestion.segment_id,
                                             Coding.code == Suggestion.code, Coding.status == STATUS_REJECTED))
    accepted_here = select(literal(1)).where(and_(Coding.segment_id == Suggestion.segment_id,
                                                  Coding.code == Suggestion.code, Coding.status == STATUS_ACCEPTED))
    if f.coder:
        rejected = rejected.where(Coding.coder == f.coder)
        accepted_here = accepted_here.where(Coding.coder == f.coder)
    open_suggestions = select(Suggestion.code.label("code"), Suggestion.segment_id.label("segment_id"),
                              Suggestion.score.label("score")).where(
        Suggestion.codebook_version_id == f.version_id, ~rejected.exists(), ~accepted_here.exists())
    return union_all(accepted, open_suggestions)


def distinct_codes(session: Session, f: UnitFilter) -> list[str]:
    """Every code that has a counted unit somewhere (including ids the codebook no longer has)."""
    raw = _raw_units(f).subquery("raw")
    return sorted(session.scalars(select(raw.c.code).distinct()))


def _masks(raw, codes: list[str]) -> list:
    """One ``sum(distinct bit)`` per 62 codes: the set of codes a segment carries, as bits.

    A code listed as ``OTHER`` gets the bit of every code not in ``codes``.
    """
    out = []
    for i in range(0, len(codes), MASK_BITS):
        chunk = codes[i:i + MASK_BITS]
        other = 1 << chunk.index(OTHER) if OTHER in chunk else 0
        whens = {c: 1 << j for j, c in enumerate(chunk) if c != OTHER}
        bit = case(whens, value=raw.c.code, else_=other) if whens else literal(other)
        out.append(cast(func.sum(distinct(bit)), BigInteger).label(f"m{i // MASK_BITS}"))  # PostgreSQL: numeric
    return out


def _union_masks(cols: list, n_codes: int) -> list:
    """Bitwise OR of masks over a group (``max(m & bit) | ...``: portable, no bit_or aggregate)."""
    out = []
    for i, col in enumerate(cols):
        width = min(MASK_BITS, n_codes - i * MASK_BITS)
        expr = None
        for j in range(width):
            part = func.max(col.op("&")(1 << j))
            expr = part if expr is None else expr.op("|")(part)
        out.append(expr.label(col.name))
    return out


def _group_expr(q, by: str, transcript_id, participant_id):
    """``q`` joined to what names a unit's group, and that name: the attribute value of the
    participant, else of the transcript, else MISSING; or the transcript's (and speaker's) name."""
    if by == BY_TRANSCRIPT:
        t = aliased(Transcript)
        return q.join(t, t.id == transcript_id), t.name
    if by == BY_PARTICIPANT:
        t, p = aliased(Transcript), aliased(Participant)
        q = q.join(t, t.id == transcript_id).outerjoin(p, p.id == participant_id)
        return q, t.name + ": " + func.coalesce(p.label, MISSING)
    pa, ta = aliased(ParticipantAttribute), aliased(TranscriptAttribute)
    q = (q.outerjoin(pa, and_(pa.participant_id == participant_id, pa.key == by))
         .outerjoin(ta, and_(ta.transcript_id == transcript_id, ta.key == by)))
    return q, func.coalesce(pa.value, ta.value, MISSING)


def code_sets(session: Session, f: UnitFilter, codes: list[str], *, by: str, unit: str = "segments",
              per: str = "group", counted: bool = True) -> list[tuple]:
    """Units summarised by the set of ``codes`` they carry, as bit masks, and by group.

    Rows are ``(mask_0, ..., group, ident, units, words)``; bit j of mask i stands for
    ``codes[62 * i + j]``. A unit is a segment or a speaker turn (a turn carries the codes of
    its segments). ``per="group"`` counts units with the same code set in the same group
    together (ident is None); ``per="transcript"`` or ``"participant"`` gives one row per
    transcript (participant) and group, its mask the union of its units' code sets. A million
    codings come back as a few thousand rows, from which roll-up, shares and co-occurrence
    follow in memory.

    Accepted codings are read from the kept per-speaker counts (`set_counts`; ``counted=False``
    groups the codings themselves, the reference the tests compare with); open suggestions
    (``status="all"``) always come from the codings and suggestions.
    """
    if not codes:
        return []
    if counted and _countable(f):
        return grouped_sets(session, f.coder, f.transcript_ids, codes, by=by, unit=unit, per=per)
    raw = _raw_units(f).subquery("raw")
    masks = _masks(raw, codes)
    # One row per counted segment with its code set: the codings grouped by segment first (in
    # the order of the (status, segment_id, code) index, so SQLite groups without sorting a
    # million rows), then joined to their segment, which drops interviewer segments.
    per_segment = (select(raw.c.segment_id, *masks).group_by(raw.c.segment_id)).subquery("per_segment")
    seg_sets = (select(Segment.id.label("segment_id"), Segment.transcript_id.label("tid"), Segment.turn_id,
                       Segment.word_count.label("words"), *[per_segment.c[m.name] for m in masks])
                .select_from(per_segment).join(Segment, Segment.id == per_segment.c.segment_id))
    seg_sets = _counted_segments(seg_sets, f).subquery("seg_sets")
    mcols = [seg_sets.c[m.name] for m in masks]
    if unit == "segments":
        units = (select(*mcols, seg_sets.c.tid, Turn.participant_id.label("pid"), literal(1).label("n"),
                        seg_sets.c.words)
                 .select_from(seg_sets).join(Turn, Turn.id == seg_sets.c.turn_id)).subquery("units")
    else:
        per_turn = (select(seg_sets.c.turn_id, *_union_masks(mcols, len(codes)),
                           func.sum(seg_sets.c.words).label("words"))
                    .group_by(seg_sets.c.turn_id)).subquery("turn_sets")
        units = (select(*[per_turn.c[m.name] for m in masks], Turn.transcript_id.label("tid"),
                        Turn.participant_id.label("pid"), literal(1).label("n"), per_turn.c.words)
                 .select_from(per_turn).join(Turn, Turn.id == per_turn.c.turn_id)).subquery("units")
    ucols = [units.c[m.name] for m in masks]
    if per == "group":  # units with the same code set in the same group, counted together
        q, grp = _group_expr(select(), by, units.c.tid, units.c.pid)
        q = (q.add_columns(*ucols, grp, literal(None), func.sum(units.c.n), func.sum(units.c.words))
             .select_from(units).group_by(*ucols, grp))
        return list(session.execute(q).all())
    # Per speaker and code set first (integer keys), then one row per transcript (participant).
    spoken = (select(*ucols, units.c.tid, units.c.pid, func.sum(units.c.n).label("n"),
                     func.sum(units.c.words).label("words"))
              .group_by(*ucols, units.c.tid, units.c.pid)).subquery("spoken")
    scols = [spoken.c[m.name] for m in masks]
    q, grp = _group_expr(select(), by, spoken.c.tid, spoken.c.pid)
    ident = spoken.c.tid if per == "transcript" else spoken.c.pid
    q = (q.add_columns(*_union_masks(scols, len(codes)), grp, ident, func.sum(spoken.c.n), func.sum(spoken.c.words))
         .select_from(spoken).group_by(ident, grp))
    return list(session.execute(q).all())


def _countable(f: UnitFilter) -> bool:
    return f.status == "accepted" or f.version_id is None


def _counted_segments(q, f: UnitFilter):
    q = q.where(Segment.role != ROLE_INTERVIEWER)
    if f.transcript_ids is not None:
        q = q.where(Segment.transcript_id.in_(f.transcript_ids))
    return q


def base_counts(session: Session, by: str, *, counted: bool = True) -> list[tuple]:
    """(group, transcript_id, participant_id, segments, words) of everything each speaker said."""
    if counted:
        group_of = group_namer(session, by)
        return sorted(((group_of(tid, pid), tid, pid, int(n), int(w)) for tid, pid, n, w
                       in set_counts.speaker_totals(session)), key=lambda r: (r[1], r[2] is None, r[2] or 0))
    spoken = (select(Segment.transcript_id.label("tid"), Turn.participant_id.label("pid"),
                     func.count().label("n"), func.sum(Segment.word_count).label("words"))
              .join(Turn, Turn.id == Segment.turn_id).where(Segment.role != ROLE_INTERVIEWER)
              .group_by(Segment.transcript_id, Turn.participant_id)).subquery("spoken")
    q, grp = _group_expr(select(), by, spoken.c.tid, spoken.c.pid)
    q = q.add_columns(grp, spoken.c.tid, spoken.c.pid, spoken.c.n, spoken.c.words).select_from(spoken)
    return list(session.execute(q).all())


def speaker_cells(session: Session) -> list[tuple]:
    """(transcript_id, participant_id) of every speaker with non-interviewer segments."""
    q = (select(Segment.transcript_id, Turn.participant_id).join(Turn, Turn.id == Segment.turn_id)
         .where(Segment.role != ROLE_INTERVIEWER).distinct())
    return list(session.execute(q).all())


def speakers(session: Session) -> list[tuple]:
    """(participant_id, transcript_id, label, role) of every participant."""
    return list(session.execute(select(Participant.id, Participant.transcript_id, Participant.label,
                                       Participant.role).order_by(Participant.id)).all())


def transcripts(session: Session) -> list[tuple]:
    """(id, name) of every transcript, by name."""
    return list(session.execute(select(Transcript.id, Transcript.name).order_by(Transcript.name)).all())


def attribute_values(session: Session, key: str) -> list[str]:
    """The values ``key`` takes on transcripts and participants."""
    t = select(TranscriptAttribute.value).where(TranscriptAttribute.key == key)
    p = select(ParticipantAttribute.value).where(ParticipantAttribute.key == key)
    return sorted(set(session.scalars(t.union(p))))


def coders(session: Session) -> list[str]:
    """Everyone with a coding, by name (the adjudicated pseudo-coder included)."""
    return sorted(session.scalars(select(Coding.coder).distinct()))


def attribute_keys(session: Session) -> tuple[list[str], list[str]]:
    """The attribute keys in use: (on transcripts, on participants), each sorted."""
    t = sorted(session.scalars(select(TranscriptAttribute.key).distinct()))
    p = sorted(session.scalars(select(ParticipantAttribute.key).distinct()))
    return t, p


class QuoteRow(NamedTuple):  # a tuple: a million of them are made in a second, not five
    code: str
    segment_id: int
    support: int
    score: float | None
    transcript_id: int
    transcript: str
    participant_id: int | None
    speaker: str
    turn_index: int
    timestamp: str | None
    segment_index: int
    start: int
    end: int
    words: int
    text: str


# What a quote says about where it is: QuoteRow's fields after (code, segment_id, support, score).
_PLACE = (Segment.transcript_id, Transcript.name, Turn.participant_id, Turn.speaker, Turn.index, Turn.timestamp,
          Segment.index, Segment.start, Segment.end, Segment.word_count, Segment.text)


def _placed(q):
    """``q`` (with segments) joined to the turn and transcript `_PLACE` reads."""
    return q.join(Turn, Turn.id == Segment.turn_id).join(Transcript, Transcript.id == Segment.transcript_id)


def _supports(f: UnitFilter, codes: Iterable[str] | None = None):
    """(code, segment_id, support, score): per code on a segment, the coders who accepted it and the best score."""
    raw = _raw_units(f).subquery("raw")
    q = select(raw.c.code, raw.c.segment_id, func.count().label("support"), func.max(raw.c.score).label(
        "score")).group_by(raw.c.segment_id, raw.c.code)  # the index's order: no sort
    return q if codes is None else q.where(raw.c.code.in_(list(codes)))


def quote_rows(session: Session, f: UnitFilter, codes: Iterable[str] | None = None,
               segment_ids: Iterable[int] | None = None, participant_ids: Iterable[int] | None = None,
               limit: int | None = None) -> list[QuoteRow]:
    """The counted segments with what a quote needs (text, speaker, turn); with ``limit``, the
    best supported first (callers without one rank them: `matrices.framework._rank`)."""
    u = _supports(f, codes).subquery("units")
    q = _placed(select(u.c.code, u.c.segment_id, u.c.support, u.c.score, *_PLACE)
                .join(Segment, Segment.id == u.c.segment_id))
    q = _counted_segments(q, f)
    if segment_ids is not None:
        q = q.where(u.c.segment_id.in_(list(segment_ids)))
    if participant_ids is not None:
        q = q.where(Turn.participant_id.in_(list(participant_ids)))
    if limit is not None:  # without a limit the caller ranks (sorting a million rows here costs seconds)
        q = q.order_by(u.c.code, u.c.support.desc(), func.coalesce(u.c.score, -1.0).desc(),
                       Segment.word_count.desc(), Transcript.name, Segment.index).limit(limit)
    return [QuoteRow._make(row) for row in set_counts.fetch(session, q)]


def unit_supports(session: Session, f: UnitFilter, codes: Iterable[str] | None = None) -> list[tuple]:
    """(code, segment_id, support, best score) of every counted code on a segment, interviewer
    segments included (`counted_segments` says which count): the framework matrix ranks these."""
    return set_counts.fetch(session, _supports(f, codes))


def counted_segments(session: Session, f: UnitFilter) -> list[tuple]:
    """(segment_id, transcript_id, participant_id, words, index) of every segment that counts."""
    q = select(Segment.id, Segment.transcript_id, Turn.participant_id, Segment.word_count, Segment.index).join(
        Turn, Turn.id == Segment.turn_id)
    return set_counts.fetch(session, _counted_segments(q, f))


def segment_quotes(session: Session, segment_ids: Iterable[int]) -> dict[int, QuoteRow]:
    """What quoting these segments needs (text, speaker, turn); ``code``, ``support`` and ``score``
    are left for the caller."""
    ids = sorted(set(segment_ids))
    out: dict[int, QuoteRow] = {}
    for i in range(0, len(ids), 2000):
        q = _placed(select(literal(""), Segment.id, literal(0), literal(None), *_PLACE)).where(
            Segment.id.in_(ids[i:i + 2000]))
        out.update((row[1], QuoteRow._make(row)) for row in set_counts.fetch(session, q))
    return out


def memo_rows(session: Session) -> list[tuple]:
    """(transcript_id, participant_id or None, coder, text) of every memo, in a stable order.

    A memo anchored to a segment (or to a place in the text) belongs to the speaker of that turn.
    """
    turn_of = (select(Turn.participant_id).where(Turn.transcript_id == Memo.transcript_id,
                                                  Turn.start <= Memo.anchor_start, Turn.end >= Memo.anchor_start)
               .limit(1).scalar_subquery())
    seg_turn = (select(Turn.participant_id).join(Segment, Segment.turn_id == Turn.id)
                .where(Segment.id == Memo.segment_id).scalar_subquery())
    q = select(Memo.transcript_id, func.coalesce(seg_turn, turn_of), Memo.coder, Memo.text).order_by(
        Memo.transcript_id, func.coalesce(Memo.anchor_start, -1), Memo.id)
    return list(session.execute(q).all())


def data_timestamp(session: Session) -> datetime | None:
    """When the data last changed: the latest import, codebook version, coding or audit entry."""
    candidates = [session.scalar(select(func.max(col))) for col in (
        Transcript.imported_at, CodebookVersion.applied_at, Coding.updated_at, AuditEntry.at, Memo.updated_at)]
    found = [c for c in candidates if c is not None]
    return max(found) if found else None


def counts(session: Session) -> dict[str, int]:
    """How much the project holds: transcripts, segments, codings (for the method sheet)."""
    return {
        "transcripts": session.scalar(select(func.count()).select_from(Transcript)) or 0,
        "segments": session.scalar(select(func.count()).select_from(Segment)) or 0,
        "codings": session.scalar(select(func.count()).select_from(Coding)) or 0,
        "coders": session.scalar(select(func.count(func.distinct(Coding.coder)))) or 0,
    }
