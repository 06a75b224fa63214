"""The report as a formatted XLSX workbook: a "method" sheet, then one sheet per matrix.

Each matrix sheet has its header row and label columns frozen, a colour scale over the
group cells, and code ids next to their labels. Text is always stored as text, so a quote
that starts with "=" never becomes a formula. The file carries the report's date, not the
time it was written.
"""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl import Workbook
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from ..matrices import TOTAL
from .files import normalise_zip
from .report import INDENT, Report, Table
from .tables import clean

HEADER = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
TOTAL_FONT = Font(bold=True, italic=True)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(key: str, taken: set[str]) -> str:
    """An Excel sheet name (at most 31 characters, none of []:*?/\\), unique in the workbook."""
    base = _BAD_SHEET_CHARS.sub("_", key)[:31] or "sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f"~{n}"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _put(ws, row: int, col: int, value, **style):
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = clean(value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
    else:
        cell.value = value.item() if hasattr(value, "item") else value
    for k, v in style.items():
        setattr(cell, k, v)
    return cell


def _method_sheet(ws, report: Report, names: dict[str, str]) -> None:
    _put(ws, 1, 1, "setting", font=HEADER, fill=HEADER_FILL)
    _put(ws, 1, 2, "value", font=HEADER, fill=HEADER_FILL)
    row = 2
    for key, value in report.method:
        _put(ws, row, 1, key)
        _put(ws, row, 2, value)
        row += 1
    row += 1
    for col, head in enumerate(("sheet", "table", "note"), start=1):
        _put(ws, row, col, head, font=HEADER, fill=HEADER_FILL)
    for table in report.tables:
        row += 1
        _put(ws, row, 1, names[table.key])
        _put(ws, row, 2, table.title)
        _put(ws, row, 3, table.note)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 70
    ws.column_dimensions["C"].width = 70
    ws.freeze_panes = "A2"


def _matrix_sheet(ws, table: Table, report: Report) -> None:
    frame = table.frame
    head = [frame.index.name or "code", "label"]
    columns = [report.code_names.get(c, str(c)) if table.kind == "cooccurrence" else str(c) for c in frame.columns]
    for j, text in enumerate(head + columns, start=1):
        _put(ws, 1, j, text, font=HEADER, fill=HEADER_FILL, alignment=Alignment(wrap_text=True, vertical="top"))
    number_format = "0.0" if table.kind == "shares" else "0"
    for i, (key, values) in enumerate(frame.iterrows(), start=2):
        label = report.label(key)
        depth = (len(label) - len(label.lstrip(INDENT[0]))) // len(INDENT)
        is_total = key == TOTAL
        _put(ws, i, 1, str(key), font=TOTAL_FONT if is_total else Font())
        _put(ws, i, 2, label.lstrip(INDENT[0]) if not is_total else "any code",
             alignment=Alignment(indent=depth), font=TOTAL_FONT if is_total else Font())
        for j, v in enumerate(values.tolist(), start=3):
            cell = _put(ws, i, j, v)
            cell.number_format = number_format
            if is_total or str(frame.columns[j - 3]) == TOTAL:
                cell.font = TOTAL_FONT
    n_cols = len(frame.columns)
    group_cols = [j for j, c in enumerate(frame.columns, start=3) if str(c) != TOTAL]
    group_rows = [i for i, k in enumerate(frame.index, start=2) if k != TOTAL]
    if group_cols and group_rows:
        area = (f"{get_column_letter(group_cols[0])}{group_rows[0]}:"
                f"{get_column_letter(group_cols[-1])}{group_rows[-1]}")
        ws.conditional_formatting.add(area, ColorScaleRule(start_type="num", start_value=0, start_color="FFFFFF",
                                                           end_type="max", end_color="4F81BD"))
    ws.freeze_panes = "C2"
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 26
    for j in range(3, n_cols + 3):
        ws.column_dimensions[get_column_letter(j)].width = 14


def _framework_sheet(ws, table: Table) -> None:
    frame = table.frame
    head = [frame.index.name or "transcript"] + [str(c) for c in frame.columns]
    for j, text in enumerate(head, start=1):
        _put(ws, 1, j, text, font=HEADER, fill=HEADER_FILL, alignment=Alignment(wrap_text=True, vertical="top"))
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, (key, values) in enumerate(frame.iterrows(), start=2):
        _put(ws, i, 1, str(key), alignment=wrap, font=HEADER)
        for j, v in enumerate(values.tolist(), start=2):
            _put(ws, i, j, str(v), alignment=wrap)
    ws.freeze_panes = "C2"
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 14
    for j in range(3, len(head) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 48


def to_xlsx(report: Report) -> bytes:
    """The workbook's bytes, identical for the same report."""
    wb = Workbook()
    taken: set[str] = set()
    names = {"__method__": sheet_name("method", taken)}
    names.update({t.key: sheet_name(t.key, taken) for t in report.tables})
    method = wb.active
    method.title = names["__method__"]
    _method_sheet(method, report, names)
    for table in report.tables:
        ws = wb.create_sheet(names[table.key])
        if table.kind == "framework":
            _framework_sheet(ws, table)
        else:
            _matrix_sheet(ws, table, report)
    props = wb.properties
    props.creator = "qualcode"
    props.lastModifiedBy = "qualcode"
    props.title = clean(report.title)
    props.created = props.modified = report.date
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return normalise_zip(buf.getvalue(), report.date)
