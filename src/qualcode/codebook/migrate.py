"""Apply a new codebook version to a project without losing a coding.

A new version declares what happened to old ids (``renamed_from``, ``merged_from``,
``split_from``, ``status: retired``). Applying it, in one transaction:

- records the version and makes it current;
- moves codings of renamed and merged codes to their new id (a coding that would duplicate
  one the same coder already has on that segment is folded into it, and kept in the
  migration log); accepted codings of a code that was split are flagged for review;
  codings of retired codes stay as they are, shown as retired;
- logs every step in ``coding_migrations`` (original code, the version the coding was made
  under) and in the audit log;
- carries the old version's suggestions over for every segment the change cannot affect
  (see ``codebook.retag``).

Then the tagging stage re-tags the remaining segments. A version that drops a code which
codings use, without saying where they go, is refused. ``dry_run`` computes the same plan
and writes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from . import CodebookError, content_hash
from .retag import RetagReport, TaggingDelta, tagging_delta
from .retag import retag as retag_segments
from .schema import Codebook, version_key

KEPT = "kept"
RETIRED = "retired"
RENAMED = "renamed"
MERGED = "merged"
SPLIT = "split"
REMOVED = "removed"

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class CodeFate:
    """What a new version does with one old code id."""

    code: str
    kind: str
    target: str | None = None  # renamed/merged: the new id
    parts: tuple[str, ...] = ()  # split: the codes split out of it
    flag: bool = False  # split declared in this version: codings need review
    note: str | None = None


def code_fates(old: Codebook | None, new: Codebook, used: Iterable[str] = ()) -> dict[str, CodeFate]:
    """The fate of every id of the old version and every id codings use."""
    renamed = {src: c for c in new.codes for src in c.renamed_from}
    merged = {src: c for c in new.codes for src in c.merged_from}
    splits: dict[str, list] = {}
    for c in new.codes:
        if c.split_from:
            splits.setdefault(c.split_from, []).append(c)
    known_splits = {(c.id, c.split_from) for c in old.codes if c.split_from} if old else set()
    ids = set(old.ids() if old else ()) | set(used)
    fates: dict[str, CodeFate] = {}
    for cid in sorted(ids):
        now = new.get(cid)
        parts = splits.get(cid, [])
        fresh = any((p.id, cid) not in known_splits for p in parts)
        split_note = "; ".join(p.migration_note for p in parts if p.migration_note) or None
        if parts and (fresh or now is None):
            fates[cid] = CodeFate(cid, SPLIT, None, tuple(p.id for p in parts), flag=fresh, note=split_note)
        elif now is not None:
            fates[cid] = CodeFate(cid, RETIRED if not now.is_active else KEPT)
        elif cid in renamed:
            fates[cid] = CodeFate(cid, RENAMED, renamed[cid].id, note=renamed[cid].migration_note)
        elif cid in merged:
            fates[cid] = CodeFate(cid, MERGED, merged[cid].id, note=merged[cid].migration_note)
        else:
            fates[cid] = CodeFate(cid, REMOVED)
    return fates


def _fold_status(into: str, moved: str) -> tuple[str, bool]:
    """The absorbing coding's status, and whether the disagreement needs a reviewer."""
    if into == moved:
        return into, False
    if moved == "accepted":  # the coder rejected the target but accepted what now belongs to it
        return "accepted", True
    return into, False  # an accepted coding stays accepted; the rejected part adds nothing


def plan_coding_changes(fates: dict[str, CodeFate], codings: list) -> list:
    """Each coding's move, fold or flag (``store.codebooks.CodingChange``), in coding id order."""
    from ..store.codebooks import CodingChange

    by_key = {(c.segment_id, c.code, c.coder): c.id for c in codings}
    status = {c.id: c.status for c in codings}
    changes = []
    for c in codings:
        fate = fates.get(c.code)
        if fate is None:
            continue
        if fate.kind in (RENAMED, MERGED):
            key = (c.segment_id, fate.target, c.coder)
            del by_key[(c.segment_id, c.code, c.coder)]
            other = by_key.get(key)
            if other is None:
                changes.append(CodingChange(c.id, fate.kind, c.code, fate.target, note=fate.note))
                by_key[key] = c.id
            else:
                into_status, flag = _fold_status(status[other], c.status)
                status[other] = into_status
                note = (f"{fate.kind} from {c.code}: folded into this coder's coding of {fate.target} on the same "
                        f"segment" + (f" ({c.status} vs {status[other]})" if flag else ""))
                changes.append(CodingChange(c.id, "folded", c.code, fate.target, into_coding_id=other,
                                            into_status=into_status, flag=flag, note=note))
        elif fate.kind == SPLIT and fate.flag and c.status == "accepted":
            note = f"{c.code} was split into {', '.join(fate.parts)}: choose the code that fits" + (
                f" ({fate.note})" if fate.note else "")
            changes.append(CodingChange(c.id, SPLIT, c.code, None, flag=True, note=note))
    return changes


@dataclass
class MigrationPlan:
    """What applying a version does; the same object is previewed (dry run) and carried out."""

    codebook: Codebook
    old: Codebook | None
    fates: dict[str, CodeFate] = field(default_factory=dict)
    changes: list = field(default_factory=list)
    before: Counter = field(default_factory=Counter)  # codings per code before
    blocking: list[str] = field(default_factory=list)
    delta: TaggingDelta | None = None
    carry: dict[str, int] = field(default_factory=dict)
    already_current: bool = False

    @property
    def after(self) -> Counter:
        """Codings per code after the migration (folded codings counted under the code they joined)."""
        moves = {ch.coding_id: ch for ch in self.changes}
        out = Counter(self.before)
        for ch in moves.values():
            if ch.to_code:
                out[ch.from_code] -= 1
                out[ch.to_code] += 0 if ch.kind == "folded" else 1
        return +out

    @property
    def folded(self) -> int:
        return sum(ch.kind == "folded" for ch in self.changes)

    def heading(self) -> str:
        new = f"{self.codebook.name} {self.codebook.version}"
        if self.old is None:
            return f"{new}: the project's first codebook version"
        return f"{self.old.name} {self.old.version} → {new}"

    def lines(self) -> list[str]:
        out = [self.heading()]
        if self.already_current:
            out.append("already the version in use: no codings to carry over")
            return out
        n_before, n_after = sum(self.before.values()), sum(self.after.values())
        out.append(f"codings: {n_before} before, {n_after} after"
                   + (f" + {self.folded} folded into an identical coding (kept in the migration log)"
                      if self.folded else ""))
        by_code = Counter(ch.from_code for ch in self.changes)
        folded = Counter(ch.from_code for ch in self.changes if ch.kind == "folded")
        for cid, fate in sorted(self.fates.items()):
            n = self.before.get(cid, 0)
            if fate.kind == KEPT:
                continue
            if fate.kind in (RENAMED, MERGED):
                extra = f" ({folded[cid]} folded)" if folded[cid] else ""
                out.append(f"  {fate.kind:8} {cid} → {fate.target}: {by_code[cid]} codings move{extra}")
            elif fate.kind == SPLIT:
                what = (f"{by_code[cid]} accepted codings flagged for review" if fate.flag
                        else "split in an earlier version, nothing to do")
                out.append(f"  {'split':8} {cid} → {', '.join(fate.parts)}: {what}")
            elif fate.kind == RETIRED:
                out.append(f"  {'retired':8} {cid}: {n} codings stay, shown as retired")
            elif fate.kind == REMOVED:
                out.append(f"  {'removed':8} {cid}: " + (f"{n} codings would be orphaned" if n else "no codings"))
        out.extend(f"  refused: {b}" for b in self.blocking)
        if self.delta is not None:
            out.append("suggestions:")
            out.extend(f"  {line}" for line in self.delta.describe())
            if self.carry:
                out.append(f"  segments carried over unchanged: {self.carry['segments_carried']} "
                           f"({self.carry['suggestions_carried']} suggestions); "
                           f"segments to re-tag: {self.carry['segments_retag']}")
        return out

    def as_dict(self) -> dict:
        return {
            "from": None if self.old is None else {"name": self.old.name, "version": self.old.version},
            "to": {"name": self.codebook.name, "version": self.codebook.version},
            "already_current": self.already_current,
            "codings_before": dict(self.before), "codings_after": dict(self.after), "folded": self.folded,
            "fates": {cid: {"kind": f.kind, "target": f.target, "parts": list(f.parts), "flag": f.flag}
                      for cid, f in self.fates.items() if f.kind != KEPT},
            "changes": [{"coding_id": ch.coding_id, "kind": ch.kind, "from": ch.from_code, "to": ch.to_code,
                         "into": ch.into_coding_id, "flag": ch.flag} for ch in self.changes],
            "blocking": self.blocking,
            "suggestions": None if self.delta is None else {
                "copy": self.delta.copy, "narrowed": self.delta.narrowed, "widened": self.delta.widened,
                "dropped": self.delta.dropped, **self.carry},
        }


@dataclass
class ApplyReport:
    plan: MigrationPlan
    dry_run: bool
    retag: RetagReport | None = None
    tagging: object | None = None  # pretag.TagReport for what was untagged besides
    suggestion_changes: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = self.plan.lines()
        if self.dry_run:
            out.append("dry run: nothing was written")
            return out
        if self.retag is not None:
            out.append(self.retag.summary())
        if self.tagging is not None and (self.tagging.segments_tagged or self.tagging.segments_created):
            out.append(self.tagging.summary())
        if self.suggestion_changes:
            sc = self.suggestion_changes
            out.append(f"re-tagging changed the suggestions of {sc['segments_changed']} of "
                       f"{sc['segments_compared']} segments (+{sc['suggestions_gained']} / "
                       f"-{sc['suggestions_lost']} suggestions); codings were not touched")
        return out


def _check_order(old_row, book: Codebook) -> None:
    if old_row.name != book.name:
        raise CodebookError(f"this project uses the codebook '{old_row.name}'; '{book.name}' is a different "
                            "codebook (keep the name when you make a new version)")
    if version_key(book.version) < version_key(old_row.version):
        raise CodebookError(f"{book.name} {book.version} is older than {old_row.version}, the version in use; "
                            "codings were carried over to it and are not moved back (make a new, higher version "
                            "that undoes the change instead)")


def apply_codebook(engine: Engine, book: Codebook, yaml_text: str, *, source_path: str | None = None,
                   who: str = "codebook", dry_run: bool = False, retag: bool = True, nlp=None,
                   progress: Progress | None = None) -> ApplyReport:
    """Make ``book`` the project's codebook version, carrying codings and suggestions over (see module doc)."""
    from ..store import audit, transaction
    from ..store import codebooks as store

    with transaction(engine) as s:
        found = store.current_codebook(s)
        old_book, old_row = found if found else (None, None)
        existing = store.version_by(s, book.name, book.version)
        if existing is not None and existing.content_hash != content_hash(yaml_text):
            store.record_version(s, book, yaml_text, source_path, make_current=False)  # raises: edited, same version
        plan = MigrationPlan(book, old_book)
        if existing is not None and existing.is_current:
            plan.already_current = True
        else:
            if old_row is not None:
                _check_order(old_row, book)
            # Write first, so SQLite takes the write lock before the codings are read.
            new_row = None if dry_run else store.record_version(s, book, yaml_text, source_path, migrating=True)
            codings = store.coding_rows(s, lock=not dry_run)
            plan.before = Counter(c.code for c in codings)
            plan.fates = code_fates(old_book, book, plan.before)
            plan.blocking = [
                f"{n} codings use '{cid}', which {book.version} neither keeps, retires, renames, merges nor splits; "
                f"keep it with `status: retired`, or declare where it went (renamed_from / merged_from / split_from)"
                for cid, n in sorted(plan.before.items()) if plan.fates[cid].kind == REMOVED]
            plan.changes = plan_coding_changes(plan.fates, codings)
            if old_book is not None:
                plan.delta = tagging_delta(old_book, book)
                args = (old_row.id, plan.delta.retag_all, plan.delta.retag_codes)
                plan.carry = store.carry_over_counts(s, *args, list(plan.delta.copy), plan.delta.tag_interviewer)
            if plan.blocking and not dry_run:
                raise CodebookError(f"{source_path or book.name}: not applied, nothing was changed:\n  "
                                    + "\n  ".join(plan.blocking), [])
            if not dry_run:
                store.carry_out(s, plan.changes, new_row.id, old_row.id if old_row else None, who)
                if plan.delta is not None:
                    store.carry_over_suggestions(s, old_row.id, new_row.id, plan.delta.copy, plan.delta.retag_all,
                                                 plan.delta.retag_codes, plan.delta.tag_interviewer)
                audit.log(s, who, "applied", "codebook_version", new_row.id,
                          before=None if old_row is None else {"name": old_row.name, "version": old_row.version},
                          after={"name": book.name, "version": book.version, "codings_before": sum(plan.before.values()),
                                 "codings_after": sum(plan.after.values()), "folded": plan.folded,
                                 "moved": sum(ch.kind in (RENAMED, MERGED) for ch in plan.changes),
                                 "flagged": sum(ch.kind == SPLIT for ch in plan.changes)})
        old_vid = old_row.id if old_row is not None and not plan.already_current else None
    report = ApplyReport(plan, dry_run)
    if dry_run or not retag:
        return report
    from ..pretag import pretag

    with transaction(engine) as s:
        new_vid = store.version_by(s, book.name, book.version).id
    if old_vid is not None and plan.delta is not None:
        report.retag = retag_segments(engine, book, plan.delta, old_vid, new_vid, nlp=nlp, progress=progress)
        with transaction(engine) as s:
            report.suggestion_changes = store.suggestion_changes(s, old_vid, new_vid, plan.delta.successor)
    # Whatever is still untagged under this version (new transcripts, an interrupted re-tag) is tagged in full.
    with transaction(engine) as s:
        pending = store.untagged_count(s, new_vid, book.tagging.tag_interviewer)
    if pending:
        report.tagging = pretag(engine, book, yaml_text, source_path=source_path, nlp=nlp, progress=progress)
    return report
