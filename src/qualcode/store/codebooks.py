"""Codebook versions recorded in the project: which version each suggestion and coding was made under.

Also the queries a codebook migration needs (codings to carry over, suggestions to copy to the
new version) and the counts the codebook page shows. The decisions about *what* to move live
in ``qualcode.codebook.migrate``; this module only reads and writes rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, exists, false, func, insert, literal, or_, select, true, update
from sqlalchemy.orm import Session, aliased

from ..codebook import Codebook, CodebookError, content_hash, parse_codebook, version_key
from . import audit
from .models import (
    ROLE_INTERVIEWER,
    Annotation,
    STATUS_ACCEPTED,
    STATUS_REJECTED,
    Coding,
    CodebookVersion,
    CodingMigration,
    Segment,
    SegmentTagging,
    Suggestion,
    Transcript,
    utcnow,
)


def record_version(session: Session, book: Codebook, yaml_text: str, source_path: str | None = None,
                   make_current: bool = True, *, migrating: bool = False) -> CodebookVersion:
    """The row for this codebook version, created on first use; refuses an edited file with an old version.

    Making a version current that drops codes the current version has and codings still use
    would orphan those codings; that is refused unless ``migrating`` (`qualcode codebook apply`
    moves the codings in the same transaction).
    """
    digest = content_hash(yaml_text)
    row = version_by(session, book.name, book.version)
    if row is not None and row.content_hash != digest:
        raise CodebookError(
            f"{source_path or book.name}: the codebook changed but its version is still {book.version}; "
            "bump `version` (and add a changelog entry) so earlier codings stay traceable"
        )
    if make_current and not migrating and (row is None or not row.is_current):
        _refuse_orphans(session, book, source_path)
    if row is None:
        row = CodebookVersion(name=book.name, version=book.version, content_hash=digest, yaml_text=yaml_text,
                              source_path=source_path)
        session.add(row)
        session.flush()
    if make_current and not row.is_current:
        session.execute(update(CodebookVersion).values(is_current=False))
        row.is_current = True
        session.flush()
    return row


def _refuse_orphans(session: Session, book: Codebook, source_path: str | None) -> None:
    found = current_codebook(session)
    if found is None:
        return
    dropped = set(found[0].ids()) - set(book.ids())
    used = {code: n for code, n in codes_in_use(session).items() if code in dropped}
    if used:
        listed = ", ".join(f"{code} ({n})" for code, n in sorted(used.items()))
        raise CodebookError(
            f"{source_path or book.name}: version {book.version} drops codes that codings use: {listed}; "
            f"apply it with `qualcode codebook apply {source_path or 'FILE'}`, which carries the codings over")


def version_by(session: Session, name: str, version: str) -> CodebookVersion | None:
    return session.scalar(select(CodebookVersion).where(CodebookVersion.name == name,
                                                        CodebookVersion.version == version))


def current_version(session: Session) -> CodebookVersion | None:
    return session.scalar(select(CodebookVersion).where(CodebookVersion.is_current.is_(True)))


def current_codebook(session: Session) -> tuple[Codebook, CodebookVersion] | None:
    row = current_version(session)
    if row is None:
        return None
    return parse_codebook(row.yaml_text, f"{row.name} {row.version} (database)"), row


def versions(session: Session) -> list[CodebookVersion]:
    """Every recorded version, oldest first (by version number, then by when it was applied)."""
    rows = list(session.scalars(select(CodebookVersion).order_by(CodebookVersion.applied_at, CodebookVersion.id)))
    return sorted(rows, key=lambda r: (r.name, version_key(r.version)))


def codebook_of(row: CodebookVersion) -> Codebook:
    return parse_codebook(row.yaml_text, f"{row.name} {row.version} (database)")


# --------------------------------------------------------------------------- codings during a migration

@dataclass(frozen=True)
class CodingRow:
    id: int
    segment_id: int
    transcript_id: int
    code: str
    coder: str
    status: str
    needs_review: bool
    codebook_version_id: int | None


def codes_in_use(session: Session) -> dict[str, int]:
    """Number of codings per code (any coder, any status)."""
    return dict(session.execute(select(Coding.code, func.count()).group_by(Coding.code)).all())


def coding_rows(session: Session, codes: list[str] | None = None, *, lock: bool = False) -> list[CodingRow]:
    """Codings (of ``codes``, or all) in id order; ``lock`` takes row locks where the database has them."""
    q = (select(Coding.id, Coding.segment_id, Segment.transcript_id, Coding.code, Coding.coder, Coding.status,
                Coding.needs_review, Coding.codebook_version_id)
         .join(Segment, Segment.id == Coding.segment_id).order_by(Coding.id))
    if codes is not None:
        q = q.where(Coding.code.in_(codes))
    if lock:
        q = q.with_for_update(of=Coding)
    return [CodingRow(*r) for r in session.execute(q).all()]


def _snapshot(c: Coding) -> dict:
    return {"segment_id": c.segment_id, "code": c.code, "coder": c.coder, "origin": c.origin, "status": c.status,
            "score": c.score, "reason": c.reason, "codebook_version_id": c.codebook_version_id,
            "needs_review": c.needs_review, "note": c.note, "version": c.version,
            "created_at": c.created_at.isoformat(timespec="seconds") if c.created_at else None}


@dataclass(frozen=True)
class CodingChange:
    """One coding's fate in a migration, decided by ``codebook.migrate`` and carried out here."""

    coding_id: int
    kind: str  # renamed | merged | split | folded
    from_code: str
    to_code: str | None = None  # renamed/merged/folded: the code it ends up under
    into_coding_id: int | None = None  # folded: the coding that absorbs it (deleted otherwise)
    into_status: str | None = None  # folded: the absorbing coding's status afterwards
    flag: bool = False  # set needs_review
    note: str | None = None


def _load_codings(session: Session, ids: set[int]) -> dict[int, tuple[Coding, int]]:
    """Codings by id with their transcript id, loaded in chunks (one query per 5000)."""
    out: dict[int, tuple[Coding, int]] = {}
    ordered = sorted(ids)
    for i in range(0, len(ordered), 5000):
        q = (select(Coding, Segment.transcript_id).join(Segment, Segment.id == Coding.segment_id)
             .where(Coding.id.in_(ordered[i:i + 5000])))
        for coding, tid in session.execute(q):
            out[coding.id] = (coding, tid)
    return out


def carry_out(session: Session, changes: list[CodingChange], version_id: int, from_version_id: int | None,
              who: str) -> None:
    """Move, fold and flag codings as planned, logging each in coding_migrations and the audit log.

    Everything is written in one flush: the plan never moves a coding onto a (segment, code,
    coder) another coding holds (that one is folded instead), so the order of the updates
    does not matter.
    """
    loaded = _load_codings(session, {ch.coding_id for ch in changes} | {ch.into_coding_id for ch in changes
                                                                         if ch.into_coding_id})
    missing = [ch.coding_id for ch in changes if ch.coding_id not in loaded]
    if missing:
        raise CodebookError(f"{len(missing)} codings (e.g. id {missing[0]}) vanished while the migration was "
                            "planned; nothing was changed, run the command again")
    now = utcnow()
    for ch in changes:
        coding, transcript_id = loaded[ch.coding_id]
        before = _snapshot(coding)
        session.add(CodingMigration(
            codebook_version_id=version_id, from_version_id=from_version_id, coding_id=coding.id,
            into_coding_id=ch.into_coding_id, segment_id=coding.segment_id, coder=coding.coder, kind=ch.kind,
            from_code=ch.from_code, to_code=ch.to_code, made_under_version_id=coding.codebook_version_id,
            snapshot=before, note=ch.note, migrated_by=who, migrated_at=now))
        if ch.kind == "folded":
            into, _ = loaded[ch.into_coding_id]
            into_before = _snapshot(into)
            into.status = ch.into_status or into.status
            into.needs_review = into.needs_review or ch.flag
            session.delete(coding)
            audit.log(session, who, "folded", "coding", coding.id, transcript_id=transcript_id, before=before,
                      after={"into_coding_id": into.id, "code": into.code})
            if into_before != _snapshot(into):
                into.updated_at = now
                audit.log(session, who, "migrated", "coding", into.id, transcript_id=transcript_id,
                          before=into_before, after=_snapshot(into))
        else:
            if ch.to_code:
                coding.code = ch.to_code
            coding.needs_review = coding.needs_review or ch.flag
            coding.updated_at = now
            after = _snapshot(coding)
            after["version"] = before["version"] + 1
            audit.log(session, who, "migrated", "coding", coding.id, transcript_id=transcript_id, before=before,
                      after=after)
    session.flush()


def lineage(session: Session, coding_id: int) -> list[CodingMigration]:
    """Every migration step of a coding (and of codings folded into it), oldest first."""
    return list(session.scalars(select(CodingMigration).where(
        or_(CodingMigration.coding_id == coding_id, CodingMigration.into_coding_id == coding_id))
        .order_by(CodingMigration.id)))


def original_code(session: Session, coding: Coding) -> str:
    """The code a coding was made with, before any rename or merge moved it."""
    first = session.scalar(select(CodingMigration.from_code).where(CodingMigration.coding_id == coding.id)
                           .order_by(CodingMigration.id).limit(1))
    return first or coding.code


def migration_notes(session: Session, coding_ids: list[int]) -> dict[int, str]:
    """Why a coding was flagged for review: the latest migration note per coding."""
    out: dict[int, str] = {}
    for cid, kind, src, note in session.execute(
            select(CodingMigration.coding_id, CodingMigration.kind, CodingMigration.from_code, CodingMigration.note)
            .where(CodingMigration.coding_id.in_(coding_ids)).order_by(CodingMigration.id)):
        out[cid] = note or f"{kind} from {src}"
    return out


# --------------------------------------------------------------------------- suggestions across versions

def _taggable(include_interviewer: bool):
    return true() if include_interviewer else Segment.role != ROLE_INTERVIEWER


def _retag_filter(old_vid: int, retag_all: bool, retag_codes: list[str]):
    """A condition on Segment: it has to be re-tagged (else its suggestions are carried over)."""
    if retag_all:
        return true()
    if not retag_codes:
        return false()
    old = aliased(Suggestion)
    return exists().where(old.segment_id == Segment.id, old.codebook_version_id == old_vid, old.code.in_(retag_codes))


def _tagged_under(vid: int):
    return exists().where(SegmentTagging.segment_id == Segment.id, SegmentTagging.codebook_version_id == vid)


def carry_over_counts(session: Session, old_vid: int, retag_all: bool, retag_codes: list[str],
                      copy_codes: list[str], include_interviewer: bool) -> dict[str, int]:
    """What `carry_over_suggestions` would do: segments re-tagged and carried, suggestions carried and dropped."""
    base = select(func.count()).select_from(Segment).where(_tagged_under(old_vid), _taggable(include_interviewer))
    retag = _retag_filter(old_vid, retag_all, retag_codes)
    n_retag = session.scalar(base.where(retag))
    n_carry = session.scalar(base.where(~retag))
    sugg = (select(func.count()).select_from(Suggestion).join(Segment, Segment.id == Suggestion.segment_id)
            .where(Suggestion.codebook_version_id == old_vid))
    carried = session.scalar(sugg.where(Suggestion.code.in_(copy_codes), ~retag, _taggable(include_interviewer)))
    total = session.scalar(sugg)
    return {"segments_retag": n_retag, "segments_carried": n_carry, "suggestions_carried": carried,
            "suggestions_before": total}


def carry_over_suggestions(session: Session, old_vid: int, new_vid: int, code_map: dict[str, str],
                           retag_all: bool, retag_codes: list[str], include_interviewer: bool) -> dict[str, int]:
    """Copy the old version's suggestions of unchanged codes to the new version, for segments no change affects.

    ``code_map`` maps old code ids whose suggestions stay valid to their id in the new version
    (renames). Segments that must be re-tagged get nothing here: they stay untagged under the
    new version, so the tagging stage (`pretag`) picks them up.
    """
    counts = carry_over_counts(session, old_vid, retag_all, retag_codes, list(code_map), include_interviewer)
    keep = select(Segment.id).where(_tagged_under(old_vid), ~_tagged_under(new_vid),
                                    ~_retag_filter(old_vid, retag_all, retag_codes), _taggable(include_interviewer))
    if code_map:
        new_code = case(code_map, value=Suggestion.code)
        rows = select(Suggestion.segment_id, literal(new_vid), new_code, Suggestion.score, Suggestion.source,
                      Suggestion.reason, Suggestion.evidence, literal(utcnow())).where(
            Suggestion.codebook_version_id == old_vid, Suggestion.code.in_(list(code_map)),
            Suggestion.segment_id.in_(keep))
        session.execute(insert(Suggestion).from_select(
            ["segment_id", "codebook_version_id", "code", "score", "source", "reason", "evidence", "created_at"], rows))
    session.execute(insert(SegmentTagging).from_select(
        ["segment_id", "codebook_version_id", "tagged_at"],
        select(Segment.id, literal(new_vid), literal(utcnow())).where(Segment.id.in_(keep))))
    session.flush()
    return counts


def retag_candidates(session: Session, old_vid: int, new_vid: int, retag_all: bool, retag_codes: list[str],
                     include_interviewer: bool) -> list[tuple[int, int]]:
    """(segment id, word count) of segments tagged under the old version that the change can affect."""
    q = (select(Segment.id, Segment.word_count)
         .where(_tagged_under(old_vid), ~_tagged_under(new_vid), _retag_filter(old_vid, retag_all, retag_codes),
                _taggable(include_interviewer)).order_by(Segment.id))
    return [(sid, words) for sid, words in session.execute(q)]


def segments_with_annotations(session: Session, ids: list[int], skip_tagged_under: int | None = None
                              ) -> list[tuple[Segment, list[Annotation]]]:
    """Segments with the annotations that overlap them (leaving out those already tagged under a version)."""
    q = select(Segment).where(Segment.id.in_(ids)).order_by(Segment.id)
    if skip_tagged_under is not None:
        q = q.where(~_tagged_under(skip_tagged_under))
    segs = list(session.scalars(q))
    tids = {seg.transcript_id for seg in segs}
    notes: dict[int, list[Annotation]] = {tid: [] for tid in tids}
    for a in session.scalars(select(Annotation).where(Annotation.transcript_id.in_(tids))):
        notes[a.transcript_id].append(a)
    return [(seg, [a for a in notes[seg.transcript_id] if a.start < seg.end and seg.start < a.end]) for seg in segs]


def store_retagged(session: Session, segment_id: int, old_vid: int, new_vid: int, copy_map: dict[str, str],
                   suggestions: list[dict]) -> None:
    """A re-tagged segment under the new version: carried-over suggestions of unchanged codes plus new ones."""
    for old in session.scalars(select(Suggestion).where(Suggestion.segment_id == segment_id,
                                                        Suggestion.codebook_version_id == old_vid,
                                                        Suggestion.code.in_(list(copy_map)))):
        session.add(Suggestion(segment_id=segment_id, codebook_version_id=new_vid, code=copy_map[old.code],
                               score=old.score, source=old.source, reason=old.reason, evidence=old.evidence))
    for row in suggestions:
        session.add(Suggestion(segment_id=segment_id, codebook_version_id=new_vid, **row))
    session.add(SegmentTagging(segment_id=segment_id, codebook_version_id=new_vid))


def untagged_count(session: Session, vid: int, include_interviewer: bool) -> int:
    """Segments not yet tagged under version ``vid``, plus transcripts not yet segmented (the tagging stage's work)."""
    segments = session.scalar(select(func.count()).select_from(Segment).where(~_tagged_under(vid),
                                                                              _taggable(include_interviewer)))
    return segments + session.scalar(select(func.count()).select_from(Transcript).where(
        Transcript.segmented_at.is_(None)))


def suggestion_changes(session: Session, old_vid: int, new_vid: int, code_map: dict[str, str]) -> dict[str, int]:
    """Segments tagged under both versions whose suggested codes differ (old codes read through ``code_map``)."""
    old: dict[int, set[str]] = {}
    new: dict[int, set[str]] = {}
    both = select(SegmentTagging.segment_id).where(SegmentTagging.codebook_version_id == old_vid).where(
        SegmentTagging.segment_id.in_(select(SegmentTagging.segment_id).where(
            SegmentTagging.codebook_version_id == new_vid)))
    for vid, target in ((old_vid, old), (new_vid, new)):
        for seg, code in session.execute(select(Suggestion.segment_id, Suggestion.code).where(
                Suggestion.codebook_version_id == vid, Suggestion.segment_id.in_(both))):
            target.setdefault(seg, set()).add(code_map.get(code, code) if vid == old_vid else code)
    n_both = session.scalar(select(func.count()).select_from(both.subquery()))
    changed = [s for s in set(old) | set(new) if old.get(s, set()) != new.get(s, set())]
    gained = sum(len(new.get(s, set()) - old.get(s, set())) for s in changed)
    lost = sum(len(old.get(s, set()) - new.get(s, set())) for s in changed)
    return {"segments_compared": n_both, "segments_changed": len(changed), "suggestions_gained": gained,
            "suggestions_lost": lost}


# --------------------------------------------------------------------------- what the codebook page shows

def usage_by_code(session: Session, version_id: int | None) -> dict[str, dict[str, int]]:
    """Per code: accepted and rejected codings, coded segments, coders, flagged codings, current suggestions."""
    out: dict[str, dict[str, int]] = {}

    def slot(code: str) -> dict[str, int]:
        return out.setdefault(code, {"accepted": 0, "rejected": 0, "segments": 0, "transcripts": 0, "coders": 0,
                                     "needs_review": 0, "suggested": 0})

    q = (select(Coding.code,
                func.sum(case((Coding.status == STATUS_ACCEPTED, 1), else_=0)),
                func.sum(case((Coding.status == STATUS_REJECTED, 1), else_=0)),
                func.count(func.distinct(case((Coding.status == STATUS_ACCEPTED, Coding.segment_id)))),
                func.count(func.distinct(case((Coding.status == STATUS_ACCEPTED, Segment.transcript_id)))),
                func.count(func.distinct(Coding.coder)),
                func.sum(case((Coding.needs_review.is_(True), 1), else_=0)))
         .join(Segment, Segment.id == Coding.segment_id).group_by(Coding.code))
    for code, acc, rej, segs, docs, coders, review in session.execute(q):
        s = slot(code)
        s.update(accepted=int(acc or 0), rejected=int(rej or 0), segments=segs, transcripts=docs, coders=coders,
                 needs_review=int(review or 0))
    if version_id is not None:
        for code, n in session.execute(select(Suggestion.code, func.count()).where(
                Suggestion.codebook_version_id == version_id).group_by(Suggestion.code)):
            slot(code)["suggested"] = n
    return out


def transcript_versions(session: Session) -> list[dict]:
    """Per transcript: segments tagged under each codebook version, and codings made under each."""
    tagged = session.execute(
        select(Segment.transcript_id, CodebookVersion.name, CodebookVersion.version, func.count())
        .join(SegmentTagging, SegmentTagging.segment_id == Segment.id)
        .join(CodebookVersion, CodebookVersion.id == SegmentTagging.codebook_version_id)
        .group_by(Segment.transcript_id, CodebookVersion.name, CodebookVersion.version)).all()
    coded = session.execute(
        select(Segment.transcript_id, CodebookVersion.version, func.count())
        .join(Coding, Coding.segment_id == Segment.id)
        .outerjoin(CodebookVersion, CodebookVersion.id == Coding.codebook_version_id)
        .group_by(Segment.transcript_id, CodebookVersion.version)).all()
    segs = dict(session.execute(select(Segment.transcript_id, func.count()).group_by(Segment.transcript_id)).all())
    rows = {tid: {"id": tid, "name": name, "segments": segs.get(tid, 0), "tagged": {}, "codings": {}}
            for tid, name in session.execute(select(Transcript.id, Transcript.name).order_by(Transcript.name))}
    for tid, _name, version, n in tagged:
        rows[tid]["tagged"][version] = n
    for tid, version, n in coded:
        rows[tid]["codings"][version or "(none)"] = n
    return list(rows.values())


def codes_of_versions(session: Session) -> dict[str, tuple[str, str]]:
    """The latest label (fi, en) any recorded version gives each code id, retired and dropped ones included."""
    labels: dict[str, tuple[str, str]] = {}
    for row in versions(session):
        try:
            book = codebook_of(row)
        except CodebookError:
            continue
        for c in book.codes:
            labels[c.id] = (c.label.fi, c.label.en)
    return labels


def flagged_codings(session: Session, limit: int = 1000) -> list[dict]:
    """Codings flagged for review (a split code, or a merge the coder disagreed with), with the reason."""
    q = (select(Coding.id, Coding.code, Coding.coder, Coding.status, Segment.id, Segment.index, Segment.text,
                Transcript.id, Transcript.name)
         .join(Segment, Segment.id == Coding.segment_id).join(Transcript, Transcript.id == Segment.transcript_id)
         .where(Coding.needs_review.is_(True)).order_by(Transcript.name, Segment.index, Coding.coder).limit(limit))
    rows = session.execute(q).all()
    notes = migration_notes(session, [r[0] for r in rows])
    return [{"coding_id": cid, "code": code, "coder": coder, "status": status, "segment_id": sid, "segment": idx,
             "text": text, "transcript_id": tid, "transcript": name, "note": notes.get(cid, "")}
            for cid, code, coder, status, sid, idx, text, tid, name in rows]


def migrations_applied(session: Session) -> list[dict]:
    """Per codebook version: how many codings its apply moved, folded and flagged."""
    q = (select(CodingMigration.codebook_version_id, CodingMigration.kind, func.count())
         .group_by(CodingMigration.codebook_version_id, CodingMigration.kind))
    out: dict[int, dict[str, int]] = {}
    for vid, kind, n in session.execute(q):
        out.setdefault(vid, {})[kind] = n
    return [{"version_id": vid, **counts} for vid, counts in out.items()]

