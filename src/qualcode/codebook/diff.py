"""Compare two codebook versions and say what changed, in words a maintainer reads.

Either side can be a file or a git revision of one (``HEAD~1:codebooks/peer_support.yaml``,
read with ``git show``). Codes are matched by id, or through the new version's
``renamed_from``, so a renamed code's other changes show too.
"""

from __future__ import annotations

import difflib
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import CodebookError, parse_codebook
from .retag import predecessor
from .schema import Code, Codebook, as_spec

# Change kinds in the order the report lists them, with their section headings.
SECTIONS = {
    "added": "Added codes",
    "removed": "Removed codes",
    "retired": "Retired codes",
    "reactivated": "Reactivated codes",
    "renamed": "Renamed codes",
    "merged": "Merged codes",
    "split": "Split codes",
    "reparented": "Moved in the hierarchy",
    "label": "Changed labels",
    "definition": "Changed definitions",
    "criteria": "Changed inclusion and exclusion criteria",
    "examples": "Changed examples",
    "patterns": "Changed patterns",
    "tagging": "Changed thresholds",
    "colour": "Changed colours",
    "codebook": "Codebook",
}


@dataclass
class Change:
    kind: str
    code: str | None
    text: str
    details: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "code": self.code, "text": self.text, "details": self.details}


@dataclass
class CodebookDiff:
    old: Codebook
    new: Codebook
    old_source: str = ""
    new_source: str = ""
    changes: list[Change] = field(default_factory=list)

    def kinds(self) -> Counter:
        return Counter(c.kind for c in self.changes)

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def render(self) -> str:
        head = f"{self.new.name}: {self.old.version} → {self.new.version}"
        if self.old_source or self.new_source:
            head += f"  ({self.old_source} → {self.new_source})"
        lines = [head]
        if not self.changes:
            lines.append("no changes")
        for kind, title in SECTIONS.items():
            items = self.of(kind)
            if not items:
                continue
            lines.append("")
            lines.append(f"{title} ({len(items)}):")
            for c in items:
                lines.append(f"  {c.text}")
                lines.extend(f"      {d}" for d in c.details)
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict:
        return {"old": {"name": self.old.name, "version": self.old.version, "source": self.old_source},
                "new": {"name": self.new.name, "version": self.new.version, "source": self.new_source},
                "changes": [c.as_dict() for c in self.changes]}


def _name(code: Code) -> str:
    return f"{code.id} \"{code.label.fi} / {code.label.en}\""


def _place(parent: str | None) -> str:
    return "at the top level" if parent is None else f"under {parent}"


def word_diff(old: str, new: str) -> str:
    """The new text with removed words as [-...-] and added words as {+...+}."""
    a, b = old.split(), new.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(a[i1:i2])
            continue
        if i2 > i1:
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)


def pattern_text(p) -> str:
    spec = as_spec(p)
    if spec.tokens is not None:
        return spec.note or f"tokens {spec.tokens}"
    text = spec.lemma
    if spec.gap:
        text += f" (gap {spec.gap})"
    if not spec.compound:
        text += " (no compounds)"
    return text


def _list_change(label: str, old: list[str], new: list[str]) -> list[str]:
    added = [x for x in new if x not in old]
    removed = [x for x in old if x not in new]
    out = []
    if added:
        out.append(f"{label} added: " + "; ".join(added))
    if removed:
        out.append(f"{label} removed: " + "; ".join(removed))
    return out


def _compare_code(old_book: Codebook, new_book: Codebook, before: Code, code: Code) -> list[Change]:
    out: list[Change] = []
    cid = code.id
    if before.parent != code.parent:
        out.append(Change("reparented", cid, f"{cid}: moved from {_place(before.parent)} to "
                                             f"{_place(code.parent)}"))
    for lang in ("fi", "en"):
        if getattr(before.label, lang) != getattr(code.label, lang):
            out.append(Change("label", cid, f"{cid} label ({lang}): \"{getattr(before.label, lang)}\" → "
                                            f"\"{getattr(code.label, lang)}\""))
    for lang in ("fi", "en"):
        a, b = getattr(before.definition, lang).strip(), getattr(code.definition, lang).strip()
        if a != b:
            out.append(Change("definition", cid, f"{cid} definition ({lang}) changed:", [word_diff(a, b)]))
    details = _list_change("inclusion", before.inclusion, code.inclusion) + \
        _list_change("exclusion", before.exclusion, code.exclusion)
    if details:
        out.append(Change("criteria", cid, f"{cid}:", details))
    details = _list_change("examples", before.examples, code.examples) + \
        _list_change("counter-examples", before.counter_examples, code.counter_examples)
    if details:
        out.append(Change("examples", cid, f"{cid}:", details))
    details = _list_change("patterns", [pattern_text(p) for p in before.patterns],
                           [pattern_text(p) for p in code.patterns])
    details += _list_change("exclusion patterns", [pattern_text(p) for p in before.exclude_patterns],
                            [pattern_text(p) for p in code.exclude_patterns])
    if details:
        out.append(Change("patterns", cid, f"{cid}:", details))
    t_old, t_new = old_book.threshold(before.id), new_book.threshold(cid)
    if t_old != t_new:
        out.append(Change("tagging", cid, f"{cid}: threshold {t_old:g} → {t_new:g}"))
    if before.colour.lower() != code.colour.lower():
        out.append(Change("colour", cid, f"{cid}: colour {before.colour} → {code.colour}"))
    return out


def diff_codebooks(old: Codebook, new: Codebook, old_source: str = "", new_source: str = "") -> CodebookDiff:
    result = CodebookDiff(old, new, old_source, new_source)
    changes = result.changes
    continued: set[str] = set()
    for code in new.codes:
        before = predecessor(old, code)
        if before is None:
            origin = ""
            if code.split_from and old.get(code.split_from):
                origin = f", split from {code.split_from}"
            elif [m for m in code.merged_from if old.get(m)]:
                origin = ", merging " + ", ".join(m for m in code.merged_from if old.get(m))
            status = "" if code.is_active else " (retired)"
            changes.append(Change("added", code.id, f"+ {_name(code)} {_place(code.parent)}{origin}{status}"))
        else:
            continued.add(before.id)
            if before.id != code.id:
                changes.append(Change("renamed", code.id, f"{before.id} → {code.id}"
                                      + (f": {code.migration_note}" if code.migration_note else "")))
            if before.is_active and not code.is_active:
                changes.append(Change("retired", code.id, f"~ {_name(code)}: retired; codings made with it stay "
                                                          "and are shown as retired"))
            elif not before.is_active and code.is_active:
                changes.append(Change("reactivated", code.id, f"{_name(code)}: active again"))
            changes.extend(_compare_code(old, new, before, code))
        merged = [m for m in code.merged_from if old.get(m)]
        if merged:
            continued.update(merged)
            changes.append(Change("merged", code.id, f"{', '.join(merged)} → {code.id}"
                                  + (f": {code.migration_note}" if code.migration_note else "")))
    splits: dict[str, list[Code]] = {}
    for code in new.codes:
        if code.split_from and old.get(code.split_from) and not any(
                c.split_from == code.split_from and c.id == code.id for c in old.codes):
            splits.setdefault(code.split_from, []).append(code)
    for src, parts in splits.items():
        notes = "; ".join(p.migration_note for p in parts if p.migration_note)
        stays = " (the code itself stays)" if new.get(src) else ""
        changes.append(Change("split", src, f"{src} → {', '.join(p.id for p in parts)}{stays}; codings of {src} "
                                            "are flagged for review" + (f": {notes}" if notes else "")))
        continued.add(src)
    for code in old.codes:
        if code.id not in continued and new.get(code.id) is None:
            changes.append(Change("removed", code.id, f"- {_name(code)}: gone without a declaration; codings "
                                                      "of it cannot be carried over (keep it with status: retired, "
                                                      "or declare renamed_from / merged_from / split_from)"))
    changes.extend(_codebook_changes(old, new))
    order = list(SECTIONS)
    changes.sort(key=lambda c: order.index(c.kind))
    return result


def _codebook_changes(old: Codebook, new: Codebook) -> list[Change]:
    out = []
    if old.name != new.name:
        out.append(Change("codebook", None, f"name {old.name} → {new.name}: a different codebook, not a new version"))
    if old.title != new.title and new.title is not None:
        out.append(Change("codebook", None, f"title → \"{new.title.fi} / {new.title.en}\""))
    if (old.description or "").strip() != (new.description or "").strip():
        out.append(Change("codebook", None, "description changed:",
                          [word_diff((old.description or "").strip(), (new.description or "").strip())]))
    if old.tagging.threshold != new.tagging.threshold:
        out.append(Change("codebook", None, f"default threshold {old.tagging.threshold:g} → "
                                            f"{new.tagging.threshold:g}"))
    if old.tagging.tag_interviewer != new.tagging.tag_interviewer:
        out.append(Change("codebook", None, "interviewer turns are now "
                                            + ("tagged" if new.tagging.tag_interviewer else "not tagged")))
    if old.date != new.date:
        out.append(Change("codebook", None, f"date {old.date} → {new.date}"))
    old_entries = {e.version for e in old.changelog}
    for entry in new.changelog:
        if entry.version not in old_entries:
            text = entry.changes if isinstance(entry.changes, str) else "; ".join(entry.changes)
            out.append(Change("codebook", None, f"changelog {entry.version} ({entry.date}): {text.strip()}"))
    return out


# --------------------------------------------------------------------------- reading either side

def read_source(spec: str, rev: str | None = None) -> tuple[str, str]:
    """(YAML text, label) of a file, a REV:PATH git revision, or PATH at ``rev``."""
    if rev is not None:
        return git_show(rev, spec)
    path = Path(spec)
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8"), spec
        except (OSError, UnicodeDecodeError) as exc:
            raise CodebookError(f"{spec}: cannot read the file ({exc})") from exc
    if ":" in spec:
        rev, _, file = spec.partition(":")
        return git_show(rev, file)
    raise CodebookError(f"{spec}: no such file (for a git revision write REV:PATH, e.g. HEAD~1:{spec})")


def git_show(rev: str, file: str) -> tuple[str, str]:
    """A file as committed at ``rev`` (``git show``), the path read relative to the current directory."""
    path = Path(file)
    relative = path.parent.is_dir()  # then read it relative to its directory, as the maintainer typed it
    where = path.parent if relative else Path.cwd()
    target = f"{rev}:./{path.name}" if relative else f"{rev}:{file}"
    try:
        done = subprocess.run(["git", "-C", str(where), "show", target], capture_output=True, check=False,
                              timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CodebookError(f"{rev}:{file}: cannot run git ({exc}); is git installed?") from exc
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CodebookError(f"{rev}:{file}: git cannot show it ({reason[-1] if reason else 'unknown error'}); "
                            "check the revision and the path")
    try:
        return done.stdout.decode("utf-8"), f"{file}@{rev}"
    except UnicodeDecodeError as exc:
        raise CodebookError(f"{rev}:{file}: not UTF-8 text") from exc


def diff_sources(old_spec: str, new_spec: str, path: str | None = None) -> CodebookDiff:
    """Compare two files or revisions; with ``path``, the two specs are git revisions of that file."""
    old_text, old_label = read_source(path, old_spec) if path else read_source(old_spec)
    new_text, new_label = read_source(path, new_spec) if path else read_source(new_spec)
    old = parse_codebook(old_text, old_label)
    new = parse_codebook(new_text, new_label)
    return diff_codebooks(old, new, old_label, new_label)
