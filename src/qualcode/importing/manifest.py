"""A manifest CSV: one row per transcript file with its attributes (``--manifest FILE``).

    file,Sidosryhmä,Organisaatiotyyppi,Päivämäärä
    M01.docx,johto,käyttäjäyritys,12.3.2026

The file column (``file``, ``filename``, ``tiedosto``...) names the DOCX (with or without
its extension); an optional ``name`` column sets the transcript's name; every other column is
an attribute. Comma, semicolon (Finnish Excel) and tab separated files are read, in UTF-8 or
the Windows encoding Excel uses.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from .attributes import slug

FILE_COLUMNS = ("file", "filename", "file_name", "tiedosto", "tiedostonimi", "tiedoston_nimi", "source_file",
                "path", "polku")
NAME_COLUMNS = ("name", "transcript", "transcript_name", "litteraatti")


class ManifestError(ValueError):
    """A manifest that cannot be used; the message names the file and line."""


@dataclass
class ManifestRow:
    line: int
    attributes: dict[str, str]
    name: str | None = None


@dataclass
class Manifest:
    path: Path
    rows: dict[str, ManifestRow] = field(default_factory=dict)  # lower-case file name (and stem) -> row

    def lookup(self, file: str | Path) -> ManifestRow | None:
        p = Path(file)
        return self.rows.get(p.name.lower()) or self.rows.get(p.stem.lower())

    def source(self, row: ManifestRow) -> str:
        return f"{self.path.name} line {row.line}"


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def read_manifest(path: str | Path) -> Manifest:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the manifest: {exc.strerror}") from exc
    return read_manifest_bytes(path, data)


def read_manifest_bytes(path: str | Path, data: bytes) -> Manifest:
    """A manifest from its bytes (an upload); ``path`` names it in messages."""
    path = Path(path)
    text = _decode(data)
    if not text.strip():
        raise ManifestError(f"{path}: the manifest is empty; it needs a header row and one row per file")
    first = text.splitlines()[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ManifestError(f"{path}: cannot read the header row ({exc})") from exc
    keys = [slug(h) for h in header]
    file_col = next((i for i, k in enumerate(keys) if k in FILE_COLUMNS), None)
    if file_col is None:
        raise ManifestError(f"{path} line 1: no file column; name one column 'file' (or 'tiedosto') "
                            f"and put each DOCX file's name in it (columns found: {', '.join(header)})")
    name_col = next((i for i, k in enumerate(keys) if k in NAME_COLUMNS), None)
    manifest = Manifest(path)
    try:
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            if len(row) > len(header):
                raise ManifestError(f"{path} line {line}: {len(row)} values but {len(header)} columns; "
                                    f"check the separator ({delimiter!r}) and quoting")
            file = row[file_col].strip() if file_col < len(row) else ""
            if not file:
                raise ManifestError(f"{path} line {line}: the file column is empty")
            attrs = {header[i].strip(): v.strip() for i, v in enumerate(row)
                     if i not in (file_col, name_col) and v.strip() and header[i].strip()}
            name = row[name_col].strip() if name_col is not None and name_col < len(row) else None
            entry = ManifestRow(line, attrs, name or None)
            p = Path(file.replace("\\", "/"))
            for key in {p.name.lower(), p.stem.lower()}:
                if key in manifest.rows and manifest.rows[key].line != line:
                    raise ManifestError(f"{path} line {line}: {file!r} is listed twice "
                                        f"(also on line {manifest.rows[key].line})")
                manifest.rows[key] = entry
    except csv.Error as exc:
        raise ManifestError(f"{path} line {reader.line_num}: {exc}") from exc
    if not manifest.rows:
        raise ManifestError(f"{path}: the manifest has a header row but no files")
    return manifest
