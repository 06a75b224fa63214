"""DOCX transcripts into the project database, one transaction per file.

A file is imported whole or not at all. An identical file (same content hash) is skipped;
a changed file under a name already in the project is refused unless ``replace`` is set.
Every file gets a report line; nothing in one file stops the others.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..store import transaction
from ..store import transcripts as store
from ..transcript import TranscriptData
from .attributes import AttributeError_
from .build import build_transcript
from .manifest import Manifest, ManifestError, read_manifest, read_manifest_bytes
from .package import ImportRefused, open_docx

__all__ = ["ImportOptions", "ImportReport", "ImportRefused", "ManifestError", "import_files", "import_file",
           "import_uploaded", "read_manifest", "read_manifest_bytes", "read_transcript"]

Progress = Callable[[int, int, str], None]


@dataclass
class ImportReport:
    path: str
    name: str
    status: str  # imported | skipped | replaced | failed
    message: str = ""
    turns: int = 0
    participants: int = 0
    words: int = 0
    memos: int = 0
    attributes: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def line(self) -> str:
        if self.status == "failed":
            return f"FAILED   {self.path}: {self.message}"
        if self.status == "skipped":
            return f"skipped  {self.path}: {self.message}"
        stake = self.attributes.get("stakeholder", "?")
        memos = f", {self.memos} comments as memos" if self.memos else ""
        out = (f"{self.status:<8} {self.path} as {self.name!r}: {self.turns} turns, {self.participants} speakers, "
               f"{self.words} words{memos}, stakeholder={stake}")
        return "\n".join([out, *(f"         note: {w}" for w in self.warnings)])

    def as_dict(self) -> dict:
        return {"path": self.path, "name": self.name, "status": self.status, "message": self.message,
                "turns": self.turns, "participants": self.participants, "words": self.words,
                "memos": self.memos, "attributes": self.attributes, "warnings": self.warnings}


@dataclass
class ImportOptions:
    """How to import a batch; the same for the CLI and the app."""

    attributes: dict[str, str] = field(default_factory=dict)  # --attr: highest priority
    manifest: Manifest | None = None
    replace: bool = False
    speaker_pattern: str | None = None
    imported_by: str | None = None
    convert: bool = False  # .doc/.odt/.rtf through LibreOffice
    pseudonymise: bool = False
    name_list: object | None = None  # pseudonymise.NameList
    nlp: object | None = None  # the pipeline with NER; loaded on first need when pseudonymising
    name: str | None = None  # transcript name for a single file


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def compile_speaker_pattern(pattern: str | None, path: str | Path = "--speaker-pattern") -> re.Pattern | None:
    """The user's label pattern; it needs a group for the label, named ``label`` or the first one."""
    if not pattern:
        return None
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ImportRefused(path, f"--speaker-pattern is not a valid regular expression: {exc}",
                            r"e.g. '^(?P<label>[A-Z]+\d*)\s*-\s*'") from exc
    if "label" not in compiled.groupindex and compiled.groups == 0:
        raise ImportRefused(path, "--speaker-pattern needs a group that captures the label, e.g. (?P<label>...)",
                            r"e.g. '^(?P<label>[A-Z]+\d*)\s*-\s*'")
    return compiled


def read_transcript(path: str | Path, *, name: str | None = None,
                    attributes: dict[str, str] | list[tuple[str, dict[str, str]]] | None = None,
                    speaker_pattern: str | None = None, source: Path | None = None) -> TranscriptData:
    """Read and parse one file without touching the database; raises ImportRefused.

    ``source``: the file the user gave, when ``path`` is a converted copy of it.
    """
    path = Path(path)
    source = source or path
    pattern = compile_speaker_pattern(speaker_pattern, source)
    content = open_docx(path)
    try:
        data = build_transcript(content, name=name or source.stem, source_file=source.name,
                                content_hash=file_hash(source), speaker_pattern=pattern,
                                extra_attributes=attributes)
    except AttributeError_ as exc:
        raise ImportRefused(source, str(exc),
                            "correct the value, or override it with --attr (e.g. --attr stakeholder=ohs)") from exc
    if not data.text.strip():
        only = " (only its headers/footers have text)" if _has_header_text(path) else ""
        raise ImportRefused(source, f"the document body has no text{only}", "check that this is the right file")
    return data


def _has_header_text(path: Path) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return any(re.search(rb"<w:t[ >][^<]*\w", zf.read(n)) for n in zf.namelist()
                       if re.fullmatch(r"word/(header|footer)\d*\.xml", n) and zf.getinfo(n).file_size < 1 << 20)
    except (OSError, zipfile.BadZipFile):
        return False


def _layers(path: Path, opts: ImportOptions) -> tuple[list[tuple[str, dict[str, str]]], str | None]:
    layers: list[tuple[str, dict[str, str]]] = []
    name = None
    if opts.manifest is not None:
        row = opts.manifest.lookup(path)
        if row is None:
            raise ImportRefused(path, f"not listed in the manifest {opts.manifest.path.name}",
                                "add a row for it, or import it without --manifest")
        layers.append((opts.manifest.source(row), row.attributes))
        name = row.name
    if opts.attributes:
        layers.append(("--attr", opts.attributes))
    return layers, name


def _read(path: Path, opts: ImportOptions, name: str | None, layers) -> TranscriptData:
    from . import convert

    if opts.convert and path.suffix.lower() in convert.CONVERT_SUFFIXES:
        with tempfile.TemporaryDirectory(prefix="qualcode-convert-") as tmp:
            docx = convert.to_docx(path, tmp)
            return read_transcript(docx, name=name, attributes=layers, speaker_pattern=opts.speaker_pattern,
                                   source=path)
    try:
        return read_transcript(path, name=name, attributes=layers, speaker_pattern=opts.speaker_pattern)
    except ImportRefused as exc:
        if path.suffix.lower() in convert.CONVERT_SUFFIXES and not opts.convert:
            hint = ("import it with --convert (LibreOffice is installed)" if convert.available()
                    else "save it as .docx in Word or LibreOffice")
            raise ImportRefused(path, f"{path.suffix} files are not read directly", hint) from exc
        raise


def import_file(engine: Engine, path: str | Path, opts: ImportOptions | None = None, **kw) -> ImportReport:
    """Import one file in one transaction; every outcome is a report, never an exception."""
    opts = opts or ImportOptions(**kw)
    path = Path(path)
    name = opts.name or path.stem
    try:
        layers, manifest_name = _layers(path, opts)
        name = opts.name or manifest_name or path.stem
        data = _read(path, opts, name, layers)
    except ImportRefused as exc:
        return ImportReport(str(path), name, "failed", exc.message)
    except Exception as exc:  # a bug must not take the rest of the batch down
        return ImportReport(str(path), name, "failed",
                            f"unexpected error while reading ({exc.__class__.__name__}: {exc}); nothing was "
                            "imported from this file; please report it with the file if you can share it")
    try:
        found = None
        if opts.pseudonymise:  # NER is slow: only for files that will be written
            with transaction(engine) as session:
                early = _existing(session, data, name, opts.replace, path)
            if early is not None:
                return early
            from .. import pseudonymise

            if opts.nlp is None:
                from ..nlp import load_pipeline

                opts.nlp = load_pipeline(with_ner=True)
            found = pseudonymise.find_names(data, opts.nlp, opts.name_list)
        status = "imported"
        with transaction(engine) as session:  # the one transaction that writes this file
            early = _existing(session, data, name, opts.replace, path)
            if early is not None:
                return early
            if found is not None:
                from .. import pseudonymise
                from ..store import pseudonyms

                placeholders = {(kind, key): pseudonyms.placeholder(session, kind, key, surface)
                                for (kind, key), surface in found.keys().items()}
                data = pseudonymise.apply(data, found, placeholders)
            existing = store.by_name(session, name)
            if existing is not None:
                store.delete_transcript(session, existing)
                status = "replaced"
            store.add_transcript(session, data, imported_by=opts.imported_by)
    except SQLAlchemyError as exc:
        return ImportReport(str(path), name, "failed", f"the database refused the import ({exc.__class__.__name__}: "
                            f"{str(exc).splitlines()[0][:200]}); nothing of this file was written")
    return ImportReport(str(path), name, status, turns=len(data.turns), participants=len(data.participants),
                        words=data.word_count, memos=len(data.comments), attributes=data.attributes,
                        warnings=data.warnings)


def _existing(session, data: TranscriptData, name: str, replace: bool, path: Path) -> ImportReport | None:
    """A report if this file must not be written: identical content already in, or a name clash."""
    same = store.by_hash(session, data.content_hash)
    if same is not None and (same.name == name or not replace):
        return ImportReport(str(path), same.name, "skipped", f"identical file already imported as {same.name!r}")
    existing = store.by_name(session, name)
    if existing is not None and not replace:
        return ImportReport(str(path), name, "failed",
                            f"a different transcript named {name!r} is already in the project; use --replace "
                            "to replace it (its segments and codings are deleted) or --name to import it under "
                            "another name")
    return None


def import_files(engine: Engine, paths: Iterable[str | Path], opts: ImportOptions | None = None, *,
                 progress: Progress | None = None, **kw) -> list[ImportReport]:
    """Import a batch, each file in its own transaction; a report per file, in order."""
    opts = opts or ImportOptions(**kw)
    paths = list(paths)
    if opts.name and len(paths) > 1:
        raise ValueError("--name sets the name of one transcript; give one file with it")
    reports = []
    for i, path in enumerate(paths):
        if progress:
            progress(i, len(paths), str(path))
        reports.append(import_file(engine, path, opts))
    if progress:
        progress(len(paths), len(paths), "")
    return reports


def import_uploaded(engine: Engine, files: Iterable[tuple[str, bytes]], opts: ImportOptions | None = None, *,
                    progress: Progress | None = None) -> list[ImportReport]:
    """Import files given as (file name, content), e.g. uploaded in the app; reports name the files.

    The files are written under their own names (directories stripped) to a private temporary
    directory that is removed afterwards.
    """
    files = list(files)
    with tempfile.TemporaryDirectory(prefix="qualcode-upload-") as tmp:
        paths = []
        for i, (name, content) in enumerate(files):
            safe = Path(name.replace("\\", "/")).name or f"upload-{i}.docx"
            folder = Path(tmp) / str(i)  # one folder per file: two uploads may share a name
            folder.mkdir()
            (folder / safe).write_bytes(content)
            paths.append(folder / safe)
        reports = import_files(engine, paths, opts, progress=progress)
    for report, path in zip(reports, paths):
        report.path = path.name
    return reports
