"""The report as a DOCX document (python-docx): method, matrices as tables, heat maps as
pictures, and the framework matrix's quotes code by code, ready to copy into a paper.

Landscape pages, so matrices with many groups fit. The document carries the report's date
(core properties and zip entries), so the same data gives the same bytes.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Inches, Pt

from ..matrices import TOTAL
from .files import normalise_zip
from .plots import heatmap
from .report import Report, Table
from .tables import clean

PICTURE_KINDS = ("counts", "shares")
TABLE_STYLE = "Table Grid"


def _cell(cell, text: str, bold: bool = False, italic: bool = False, size: float | None = None) -> None:
    cell.text = ""
    run = cell.paragraphs[0].add_run(clean(text))
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)


def _value(v, kind: str) -> str:
    return f"{v:.1f}" if kind == "shares" else f"{int(v)}"


def _matrix(doc, table: Table, report: Report) -> None:
    frame = table.frame
    doc.add_heading(clean(table.title), level=2)
    if table.note:
        doc.add_paragraph().add_run(clean(table.note)).italic = True
    columns = [report.code_names.get(c, str(c)) if table.kind == "cooccurrence" else str(c) for c in frame.columns]
    t = doc.add_table(rows=len(frame.index) + 1, cols=len(columns) + 1)
    t.style = TABLE_STYLE
    size = 8 if len(columns) > 6 else 9
    _cell(t.cell(0, 0), "code", bold=True, size=size)
    for j, name in enumerate(columns, start=1):
        _cell(t.cell(0, j), name, bold=True, size=size)
    for i, (key, values) in enumerate(frame.iterrows(), start=1):
        total = key == TOTAL
        _cell(t.cell(i, 0), "any code" if total else report.label(key), bold=total, size=size)
        for j, v in enumerate(values.tolist(), start=1):
            _cell(t.cell(i, j), _value(v, table.kind), bold=total or str(frame.columns[j - 1]) == TOTAL, size=size)


def _picture(doc, table: Table, report: Report) -> None:
    frame = table.frame.drop(index=[TOTAL], errors="ignore").drop(columns=[TOTAL], errors="ignore")
    if table.kind == "cooccurrence":
        frame = frame.rename(columns=report.code_names)
    labels = {k: report.label(k).strip("\u00a0") for k in frame.index}
    png = heatmap(frame, "png", table.title, labels, percent=table.kind == "shares")
    doc.add_picture(io.BytesIO(png), width=Inches(min(9.0, 2.5 + 1.0 * len(frame.columns))))


def _framework(doc, report: Report) -> None:
    fw = report.framework
    doc.add_heading(f"Framework matrix: {fw.rows_are} by codes", level=1)
    doc.add_paragraph(f"Up to the most representative quotes per {fw.rows_are[:-1]} and code; n is the number "
                      "of coded segments. References give speaker, turn number and time stamp.")
    for code in fw.codes:
        doc.add_heading(clean(report.label(code).strip("\u00a0")), level=2)
        rows = [r for r in fw.rows if r.cells[code].count]
        missing = [r.key for r in fw.rows if not r.cells[code].count]
        if rows:
            t = doc.add_table(rows=len(rows) + 1, cols=4)
            t.style = TABLE_STYLE
            for j, head in enumerate((fw.rows_are[:-1], fw.spec.by, "n", "quotes")):
                _cell(t.cell(0, j), head, bold=True, size=9)
            for i, row in enumerate(rows, start=1):
                cell = row.cells[code]
                _cell(t.cell(i, 0), row.key, size=9)
                _cell(t.cell(i, 1), row.group, size=9)
                _cell(t.cell(i, 2), str(cell.count), size=9)
                _cell(t.cell(i, 3), "\n".join(x.cited(with_transcript=fw.rows_are == "participants")
                                              for x in cell.quotes), size=9)
        if missing:
            doc.add_paragraph().add_run("Not coded in: " + clean(", ".join(missing))).italic = True
    memos = [r for r in fw.rows if r.memos]
    if memos:
        doc.add_heading("Memos", level=2)
        for r in memos:
            p = doc.add_paragraph()
            p.add_run(clean(r.key) + ": ").bold = True
            p.add_run(clean(" | ".join(r.memos)))


def to_docx(report: Report) -> bytes:
    """The document's bytes, identical for the same report."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Inches(0.8))
    doc.add_heading(clean(report.title), level=0)
    doc.add_heading("Method", level=1)
    t = doc.add_table(rows=len(report.method) + 1, cols=2)
    t.style = TABLE_STYLE
    _cell(t.cell(0, 0), "setting", bold=True)
    _cell(t.cell(0, 1), "value", bold=True)
    for i, (k, v) in enumerate(report.method, start=1):
        _cell(t.cell(i, 0), k)
        _cell(t.cell(i, 1), v)
    numeric = [x for x in report.tables if x.kind != "framework"]
    if numeric:
        doc.add_heading("Matrices", level=1)
    for table in numeric:
        _matrix(doc, table, report)
        if table.kind in PICTURE_KINDS or table.key in ("cooccurrence_segments", "cooccurrence_turns"):
            _picture(doc, table, report)
    if report.framework is not None:
        _framework(doc, report)
    props = doc.core_properties
    props.author = props.last_modified_by = "qualcode"
    props.title = clean(report.title)
    props.created = props.modified = report.date
    props.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    return normalise_zip(buf.getvalue(), report.date)
