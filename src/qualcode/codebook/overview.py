"""What the codebook page (and `qualcode codebook versions`) shows: codes with usage, versions, files.

View models only; the page renders them and the store answers the queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from . import DEFAULT_CODEBOOK, CodebookError, load_codebook, parse_codebook
from .diff import CodebookDiff, diff_codebooks
from .schema import Code, Codebook, version_key
from .validate import ValidationReport, validate_text

EMPTY_USAGE = {"accepted": 0, "rejected": 0, "segments": 0, "transcripts": 0, "coders": 0, "needs_review": 0,
               "suggested": 0}


@dataclass
class CodeEntry:
    id: str
    depth: int
    label: tuple[str, str]  # fi, en
    status: str  # active | retired | dropped (only on codings; not in this version)
    code: Code | None
    usage: dict[str, int]


@dataclass
class Overview:
    book: Codebook | None
    source: str  # "database" (the version in use) or the file shown before anything was applied
    version: dict | None
    entries: list[CodeEntry] = field(default_factory=list)
    history: dict = field(default_factory=dict)
    flagged: list[dict] = field(default_factory=list)  # codings to review after a split or a disputed merge


def _version_dict(row) -> dict:
    return {"id": row.id, "name": row.name, "version": row.version, "current": bool(row.is_current),
            "applied_at": row.applied_at.isoformat(timespec="seconds") if row.applied_at else None,
            "source_path": row.source_path}


def version_history(engine: Engine) -> dict:
    """Recorded versions (with their changelog entry and migration counts) and versions per transcript."""
    from ..store import transaction
    from ..store import codebooks as store

    with transaction(engine) as s:
        moved = {m["version_id"]: m for m in store.migrations_applied(s)}
        rows = []
        for row in store.versions(s):
            item = _version_dict(row)
            try:
                entry = store.codebook_of(row).changelog_entry()
            except CodebookError:
                entry = None
            item["changes"] = (entry.changes if isinstance(entry.changes, str) else "; ".join(entry.changes)) \
                if entry else ""
            item["migrated"] = {k: v for k, v in moved.get(row.id, {}).items() if k != "version_id"}
            rows.append(item)
        return {"versions": rows, "transcripts": store.transcript_versions(s)}


def codebook_overview(engine: Engine, fallback: str | Path | None = None) -> Overview:
    """The codebook in use with usage counts per code (codes only old codings use are listed too)."""
    from ..store import transaction
    from ..store import codebooks as store

    with transaction(engine) as s:
        found = store.current_codebook(s)
        usage = store.usage_by_code(s, found[1].id if found else None)
        old_labels = store.codes_of_versions(s)
        version = _version_dict(found[1]) if found else None
        flagged = store.flagged_codings(s)
    if found:
        book, source = found[0], "database"
    else:
        try:
            book, _ = load_codebook(fallback or DEFAULT_CODEBOOK, check_patterns=False)
            source = str(fallback or DEFAULT_CODEBOOK)
        except CodebookError:
            book, source = None, ""
    view = Overview(book, source, version, history=version_history(engine), flagged=flagged)
    listed: set[str] = set()
    if book is not None:
        for code, depth in book.walk():
            listed.add(code.id)
            view.entries.append(CodeEntry(code.id, depth, (code.label.fi, code.label.en), code.status, code,
                                          {**EMPTY_USAGE, **usage.get(code.id, {})}))
    for cid in sorted(set(usage) - listed):
        label = old_labels.get(cid, (cid, cid))
        view.entries.append(CodeEntry(cid, 0, label, "dropped", None, {**EMPTY_USAGE, **usage[cid]}))
    return view


@dataclass
class FileStatus:
    path: str
    report: ValidationReport
    diff: CodebookDiff | None = None  # against the version in use, when the file holds another version
    state: str = "invalid"  # invalid | in-use | newer | older | other-codebook | edited | unapplied


def file_status(engine: Engine | None, path: str | Path) -> FileStatus:
    """Validate a codebook file and compare it with the version the project uses."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        from .validate import validate_file

        return FileStatus(str(path), validate_file(path))
    report = validate_text(text, str(path))
    status = FileStatus(str(path), report)
    if not report.ok:
        return status
    book = report.codebook
    current = None
    if engine is not None:
        from ..store import transaction
        from ..store import codebooks as store

        with transaction(engine) as s:
            row = store.current_version(s)
            current = (parse_codebook(row.yaml_text, f"{row.name} {row.version} (database)"), row) if row else None
    if current is None:
        status.state = "unapplied"
        return status
    used, row = current
    from . import content_hash

    if used.name != book.name:
        status.state = "other-codebook"
    elif version_key(used.version) == version_key(book.version):
        status.state = "in-use" if row.content_hash == content_hash(text) else "edited"
    else:
        status.state = "newer" if version_key(book.version) > version_key(used.version) else "older"
        old, new = (used, book) if status.state == "newer" else (book, used)
        status.diff = diff_codebooks(old, new, f"{old.version}", f"{new.version}")
    return status


def codebook_files(directory: str | Path = "codebooks") -> list[Path]:
    return sorted(Path(directory).glob("*.yaml")) + sorted(Path(directory).glob("*.yml"))
