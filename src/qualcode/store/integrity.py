"""Is the project database whole? The storage engine's own check plus qualcode's invariants.

Run after a crash, a restore or a migration (`qualcode check`). Each problem is a sentence
that says what is wrong and where; an empty list means the database is consistent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.orm import aliased

from . import set_counts, set_triggers
from .db import is_sqlite
from .models import (
    STATUS_ACCEPTED,
    STATUS_REJECTED,
    CodebookVersion,
    Coding,
    Segment,
    SegmentTagging,
    Suggestion,
    Transcript,
    Turn,
)


@dataclass
class IntegrityReport:
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        counts = ", ".join(f"{n} {what}" for what, n in self.counts.items())
        if self.ok:
            return f"ok: {counts}"
        return "\n".join([f"{len(self.problems)} problems ({counts}):", *[f"  - {p}" for p in self.problems]])


def _sample(rows, n: int = 3) -> str:
    shown = ", ".join(str(tuple(r)) if len(r) > 1 else str(r[0]) for r in rows[:n])
    return shown + (f" and {len(rows) - n} more" if len(rows) > n else "")


def check(engine: Engine) -> IntegrityReport:
    from .schema import current_revision, differences, head_revision

    report = IntegrityReport()
    problems = report.problems
    with engine.connect() as conn:
        if is_sqlite(engine.url):
            result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").all()]
            if result != ["ok"]:
                problems.append(f"SQLite integrity check: {'; '.join(result[:5])}")
            bad = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            if bad:
                problems.append(f"{len(bad)} rows point to rows that do not exist (table, rowid, parent): "
                                f"{_sample(bad)}")
        revision, head = current_revision(engine), head_revision()
        if revision != head:
            problems.append(f"schema revision is {revision}, not {head}: open it with qualcode to upgrade")
        elif diff := differences(engine):
            problems.append(f"the schema differs from the models: {diff[:3]}")

        for what, table in (("transcripts", Transcript), ("segments", Segment), ("suggestions", Suggestion),
                            ("codings", Coding)):
            report.counts[what] = conn.scalar(select(func.count()).select_from(table))

        length = func.length(Transcript.text)
        rows = conn.execute(select(Transcript.name, Turn.index).join(Turn, Turn.transcript_id == Transcript.id)
                            .where((Turn.start < 0) | (Turn.start > Turn.end) | (Turn.end > length))).all()
        if rows:
            problems.append(f"{len(rows)} turns lie outside their transcript's text (transcript, turn): "
                            f"{_sample(rows)}")

        seg_count = (select(Segment.transcript_id, func.count().label("n"), func.max(Segment.index).label("top"))
                     .group_by(Segment.transcript_id).subquery())
        rows = conn.execute(select(Transcript.name).join(seg_count, seg_count.c.transcript_id == Transcript.id)
                            .where(Transcript.segmented_at.is_(None))).all()
        if rows:
            problems.append(f"{len(rows)} transcripts have segments but are not marked segmented "
                            f"(an interrupted segmentation): {_sample(rows)}")
        rows = conn.execute(select(Transcript.name, seg_count.c.n, seg_count.c.top)
                            .join(seg_count, seg_count.c.transcript_id == Transcript.id)
                            .where(seg_count.c.n != seg_count.c.top + 1)).all()
        if rows:
            problems.append(f"{len(rows)} transcripts have gaps in their segment numbering "
                            f"(transcript, segments, highest index): {_sample(rows)}")

        turn = aliased(Turn)
        rows = conn.execute(
            select(Transcript.name, Segment.index)
            .join(Segment, Segment.transcript_id == Transcript.id)
            .join(turn, turn.id == Segment.turn_id)
            .where((turn.transcript_id != Segment.transcript_id) | (Segment.start < turn.start)
                   | (Segment.end > turn.end) | (Segment.start >= Segment.end)
                   | (func.substr(Transcript.text, Segment.start + 1, Segment.end - Segment.start) != Segment.text))
        ).all()
        if rows:
            problems.append(f"{len(rows)} segments do not match their turn or the transcript text "
                            f"(transcript, segment): {_sample(rows)}")

        rows = conn.execute(
            select(Suggestion.segment_id, Suggestion.code)
            .outerjoin(SegmentTagging, and_(SegmentTagging.segment_id == Suggestion.segment_id,
                                            SegmentTagging.codebook_version_id == Suggestion.codebook_version_id))
            .where(SegmentTagging.segment_id.is_(None))).all()
        if rows:
            problems.append(f"{len(rows)} suggestions belong to segments not recorded as tagged "
                            f"(an interrupted tag run; segment, code): {_sample(rows)}")

        rows = conn.execute(select(Coding.id, Coding.status).where(
            Coding.status.not_in([STATUS_ACCEPTED, STATUS_REJECTED]) | (Coding.version < 1))).all()
        if rows:
            problems.append(f"{len(rows)} codings have an unknown status or version (id, status): {_sample(rows)}")

        current = conn.scalar(select(func.count()).select_from(CodebookVersion)
                              .where(CodebookVersion.is_current.is_(True)))
        if current > 1:
            problems.append(f"{current} codebook versions are marked current; exactly one may be")
        if revision == head:
            _check_code_set_counts(conn, engine, problems)
    return report


def _check_code_set_counts(conn, engine: Engine, problems: list[str]) -> None:
    """Matrices read kept counts (`set_counts`): the triggers that keep them must be there, and
    the counts must agree with the codings."""
    missing = sorted(set(set_triggers.trigger_names(engine.dialect.name)) - set_triggers.installed(conn))
    if missing:
        problems.append(f"triggers that keep matrix counts up to date are missing ({', '.join(missing)}): "
                        "run `qualcode check --recount`")
    wrong = set_counts.disagreements(engine)
    if wrong:
        names = dict(conn.execute(select(Transcript.id, Transcript.name).where(Transcript.id.in_(wrong[:3]))).all())
        problems.append(f"the kept matrix counts differ from the codings in {len(wrong)} transcript(s) "
                        f"({_sample([(names.get(t, t),) for t in wrong])}): run `qualcode check --recount`")


def recount(engine: Engine, progress=None) -> int:
    """Put back the triggers and recount every transcript's code-set counts; returns how many."""
    with engine.begin() as conn:
        set_triggers.create_triggers(conn)
    set_counts.mark_stale(engine)
    return set_counts.refresh(engine, progress)
