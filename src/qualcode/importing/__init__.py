"""DOCX transcripts into the project database, one transaction per file.

A file is imported whole or not at all. An identical file (same content hash) is skipped;
a changed file under a name already in the project is refused unless ``replace`` is set.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from ..store import transaction
from ..store import transcripts as store
from ..transcript import TranscriptData
from .attributes import AttributeError_
from .build import build_transcript
from .package import ImportRefused, open_docx

__all__ = ["ImportReport", "ImportRefused", "import_files", "import_file", "read_transcript"]


@dataclass
class ImportReport:
    path: str
    name: str
    status: str  # imported | skipped | replaced | failed
    message: str = ""
    turns: int = 0
    participants: int = 0
    words: int = 0
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def line(self) -> str:
        if self.status == "failed":
            return f"FAILED   {self.path}: {self.message}"
        if self.status == "skipped":
            return f"skipped  {self.path}: {self.message}"
        stake = self.attributes.get("stakeholder", "?")
        return (f"{self.status:<8} {self.path} as {self.name!r}: {self.turns} turns, {self.participants} speakers, "
                f"{self.words} words, stakeholder={stake}")


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_transcript(path: str | Path, *, name: str | None = None, attributes: dict[str, str] | None = None,
                    speaker_pattern: str | None = None) -> TranscriptData:
    """Read and parse one file without touching the database; raises ImportRefused."""
    path = Path(path)
    content = open_docx(path)
    pattern = None
    if speaker_pattern:
        try:
            pattern = re.compile(speaker_pattern)
        except re.error as exc:
            raise ImportRefused(path, f"--speaker-pattern is not a valid regular expression: {exc}") from exc
        if "label" not in pattern.groupindex:
            raise ImportRefused(path, "--speaker-pattern needs a named group (?P<label>...)",
                                r"e.g. '^(?P<label>[A-Z]+\d*):\s*'")
    try:
        data = build_transcript(content, name=name or path.stem, source_file=path.name,
                                content_hash=file_hash(path), speaker_pattern=pattern,
                                extra_attributes=attributes)
    except AttributeError_ as exc:
        raise ImportRefused(path, str(exc).removeprefix(f"{path.name}: "),
                            "fix the header table or set it with --attr stakeholder=...") from exc
    if not data.text.strip():
        raise ImportRefused(path, "the document has no text", "check that this is the right file")
    return data


def import_file(engine: Engine, path: str | Path, *, name: str | None = None,
                attributes: dict[str, str] | None = None, replace: bool = False,
                speaker_pattern: str | None = None, imported_by: str | None = None) -> ImportReport:
    path = Path(path)
    name = name or path.stem
    try:
        data = read_transcript(path, name=name, attributes=attributes, speaker_pattern=speaker_pattern)
    except ImportRefused as exc:
        return ImportReport(str(path), name, "failed", f"{exc.reason}" + (f"; {exc.advice}" if exc.advice else ""))
    status = "imported"
    with transaction(engine) as session:
        same = store.by_hash(session, data.content_hash)
        if same is not None and (same.name == name or not replace):
            return ImportReport(str(path), same.name, "skipped", f"already imported as {same.name!r}")
        existing = store.by_name(session, name)
        if existing is not None:
            if not replace:
                return ImportReport(str(path), name, "failed",
                                    f"a different transcript named {name!r} is already in the project; "
                                    "use --replace to replace it (its codings are deleted) or --name to import "
                                    "it under another name")
            store.delete_transcript(session, existing)
            status = "replaced"
        store.add_transcript(session, data, imported_by=imported_by)
    return ImportReport(str(path), name, status, turns=len(data.turns), participants=len(data.participants),
                        words=data.word_count, attributes=data.attributes)


def import_files(engine: Engine, paths: Iterable[str | Path], *, attributes: dict[str, str] | None = None,
                 replace: bool = False, speaker_pattern: str | None = None, imported_by: str | None = None,
                 progress: Callable[[int, int, str], None] | None = None) -> list[ImportReport]:
    paths = list(paths)
    reports = []
    for i, path in enumerate(paths):
        if progress:
            progress(i, len(paths), str(path))
        reports.append(import_file(engine, path, attributes=attributes, replace=replace,
                                   speaker_pattern=speaker_pattern, imported_by=imported_by))
    if progress:
        progress(len(paths), len(paths), "")
    return reports
