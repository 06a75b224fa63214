"""Build the sample interview transcripts (DOCX) from their plain-text sources.

Usage:  python transcripts/build_docx.py [SOURCE.txt ...] [-o OUT_DIR]
Without arguments every transcripts/source/*.txt becomes transcripts/<stem>.docx.

Source format (UTF-8; full spec in transcripts/source/README.md):

    ---
    title: Haastattelu M01 – kylpylähotellin johto   # -> "Title" paragraph
    attributes:                # ordered mapping -> two-column key/value table
      Päivämäärä: 2026-03-12   # also the DOCX created/modified time
      Haastattelija: H         # interviewer label(s), comma separated
    participants:              # mappings with the same keys -> table with header
      - Puhuja: V              #   row, under a paragraph "Osallistujat"
        Kuvaus: toimitusjohtaja
    ---
    [00:00:04] H: Kiitos, et ehdit mukaan.
    V: No joo, mielellään.
    A line without a label is a further paragraph of the previous speaker's turn.

Body: one DOCX paragraph per non-empty line. A turn starts with "LABEL:", optionally after
a time stamp "[hh:mm:ss]"; LABEL must be a participant's Puhuja (or label) or the
Haastattelija (or interviewer) value. The label becomes a bold run, everything else is
plain text; annotations such as [naurua] or (.) are kept verbatim. Output is byte-stable:
fixed core properties and ZIP entry times taken from the interview date.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

import yaml
from docx import Document

HERE = Path(__file__).resolve().parent
AUTHOR = "qualcode sample data"
TURN_RE = re.compile(r"^(?P<ts>\[\d{2}:\d{2}:\d{2}\]\s+)?(?P<label>[^\s:\[\]][^:\[\]]{0,24}?):(?:\s+|$)(?P<rest>.*)$")
DATE_KEYS = ("Päivämäärä", "Date", "date")
INTERVIEWER_KEYS = ("Haastattelija", "Interviewer", "interviewer")
LABEL_KEYS = ("Puhuja", "label", "Label", "Speaker", "speaker")
ID_KEYS = ("Haastattelun tunniste", "interview_id", "ID")


def parse_source(path: Path) -> tuple[dict, list[str]]:
    """Split a source file into its front matter (dict) and non-empty body lines."""
    text = path.read_text(encoding="utf-8").lstrip("\ufeff")
    parts = re.split(r"^---[ \t]*$", text, maxsplit=2, flags=re.M)
    if len(parts) != 3 or parts[0].strip():
        raise ValueError(f"{path}: missing '---' front matter")
    meta = yaml.safe_load(parts[1]) or {}
    lines = [ln.strip() for ln in parts[2].splitlines() if ln.strip()]
    return meta, lines


def first(mapping: dict, keys, default=None):
    return next((mapping[k] for k in keys if k in mapping), default)


def speaker_labels(meta: dict) -> set[str]:
    labels = {str(first(p, LABEL_KEYS, "")) for p in meta.get("participants") or []}
    labels.update(s.strip() for s in str(first(meta.get("attributes") or {}, INTERVIEWER_KEYS, "")).split(","))
    return labels - {""}


def interview_datetime(meta: dict) -> dt.datetime:
    value = first(meta.get("attributes") or {}, DATE_KEYS)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    print("warning: no interview date, using 2000-01-01", file=sys.stderr)
    return dt.datetime(2000, 1, 1)


def cell_text(value) -> str:
    return "" if value is None else value.isoformat() if isinstance(value, dt.date) else str(value)


def add_table(doc, rows: list[list[str]], bold_first_row=False, bold_first_col=False):
    table = doc.add_table(rows=0, cols=len(rows[0]))
    table.style = "Table Grid"
    for r, values in enumerate(rows):
        cells = table.add_row().cells
        for c, value in enumerate(values):
            run = cells[c].paragraphs[0].add_run(cell_text(value))
            if (bold_first_row and r == 0) or (bold_first_col and c == 0):
                run.bold = True
    return table


def build(path: Path, out_dir: Path) -> Path:
    meta, lines = parse_source(path)
    labels = speaker_labels(meta)
    when = interview_datetime(meta)
    doc = Document()
    title = str(meta.get("title") or path.stem)
    doc.add_heading(title, level=0)
    attrs = meta.get("attributes") or {}
    if attrs:
        add_table(doc, [[k, v] for k, v in attrs.items()], bold_first_col=True)
    people = meta.get("participants") or []
    if people:
        keys = list(dict.fromkeys(k for p in people for k in p))
        doc.add_paragraph("Osallistujat")
        add_table(doc, [keys] + [[p.get(k) for k in keys] for p in people], bold_first_row=True)
    for line in lines:
        para = doc.add_paragraph()
        m = TURN_RE.match(line)
        if m and m.group("label") in labels:
            if m.group("ts"):
                para.add_run(m.group("ts"))
            para.add_run(m.group("label") + ":").bold = True
            if m.group("rest"):
                para.add_run(" " + m.group("rest"))
            continue
        if m and (m.group("ts") or len(m.group("label")) <= 3):
            print(f"warning: {path.name}: unknown label in: {line[:60]}", file=sys.stderr)
        para.add_run(line)
    cp = doc.core_properties
    cp.title, cp.author, cp.last_modified_by = title, AUTHOR, AUTHOR
    cp.created = cp.modified = when
    cp.revision, cp.comments, cp.language = 1, "", "fi-FI"
    cp.identifier = cell_text(first(attrs, ID_KEYS, path.stem))
    buf = io.BytesIO()
    doc.save(buf)
    write_stable_zip(buf.getvalue(), out := out_dir / f"{path.stem}.docx", when)
    return out


def write_stable_zip(data: bytes, out: Path, when: dt.datetime) -> None:
    """Re-pack the DOCX with fixed entry times so that rebuilds are byte-identical."""
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", type=Path, help="source .txt files")
    parser.add_argument("-o", "--out-dir", type=Path, default=HERE)
    args = parser.parse_args(argv)
    for src in args.sources or sorted((HERE / "source").glob("*.txt")):
        print(build(src, args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
