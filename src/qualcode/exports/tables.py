"""Tables as text: CSV and Markdown, safe for spreadsheets and for Markdown renderers.

A cell that starts like a spreadsheet formula (``=``, ``+``, ``-``, ``@``) is prefixed with an
apostrophe in CSV, so opening the file in Excel or LibreOffice never runs transcript text.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    """Text without control characters (which XML-based formats cannot hold)."""
    return _CONTROL.sub("", text)


def csv_cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    if not isinstance(value, str):
        return str(value)
    value = clean(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def to_csv(frame: pd.DataFrame) -> str:
    """CSV with the index as first column (header: the index name), LF line ends."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([csv_cell(frame.index.name or "")] + [csv_cell(str(c)) for c in frame.columns])
    for key, row in frame.iterrows():
        w.writerow([csv_cell(str(key))] + [csv_cell(v) for v in row.tolist()])
    return out.getvalue()


def md_cell(value) -> str:
    """A Markdown table cell: pipes escaped, line breaks as <br>, HTML special characters escaped."""
    if isinstance(value, float):
        value = f"{value:.1f}"
    text = clean(str(value)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(text.splitlines())


def to_markdown(frame: pd.DataFrame, labels: dict | None = None) -> str:
    """A GitHub-flavoured Markdown table; ``labels`` renames the rows (e.g. indented code labels)."""
    labels = labels or {}
    header = [frame.index.name or ""] + [str(c) for c in frame.columns]
    numeric = [pd.api.types.is_numeric_dtype(t) for t in frame.dtypes]
    lines = ["| " + " | ".join(md_cell(h) for h in header) + " |",
             "|" + "|".join(["---"] + ["--:" if n else "---" for n in numeric]) + "|"]
    for key, row in frame.iterrows():
        cells = [labels.get(key, str(key))] + row.tolist()
        lines.append("| " + " | ".join(md_cell(v) for v in cells) + " |")
    return "\n".join(lines) + "\n"
