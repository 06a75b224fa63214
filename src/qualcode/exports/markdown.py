"""The report as Markdown: method, matrices as tables, framework quotes code by code.

Transcript text is escaped (HTML and Markdown syntax), so a quote renders as the words said.
"""

from __future__ import annotations

import re

from ..matrices import TOTAL
from .report import Report
from .tables import clean, md_cell, to_markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")  # inline syntax; lines start with our own prefixes


def md_text(text: str) -> str:
    """Running text for Markdown: HTML escaped, Markdown syntax neutralised, one line."""
    text = clean(" ".join(str(text).split())).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def to_md(report: Report) -> str:
    out = [f"# {md_text(report.title)}", "", "## Method", "", "| setting | value |", "|---|---|"]
    out += [f"| {md_cell(k)} | {md_cell(v)} |" for k, v in report.method]
    for table in report.tables:
        if table.kind == "framework":
            continue
        frame = table.frame
        if table.kind == "cooccurrence":
            frame = frame.rename(columns=report.code_names)
        labels = {k: ("any code" if k == TOTAL else report.label(k)) for k in frame.index}
        out += ["", f"## {md_text(table.title)}", ""]
        if table.note:
            out += [f"*{md_text(table.note)}*", ""]
        out.append(to_markdown(frame, labels).rstrip("\n"))
    fw = report.framework
    if fw is not None:
        out += ["", f"## Framework matrix: {md_text(fw.rows_are)} by codes"]
        for code in fw.codes:
            out += ["", f"### {md_text(report.label(code).strip(chr(0xa0)))}", ""]
            rows = [r for r in fw.rows if r.cells[code].count]
            for r in rows:
                cell = r.cells[code]
                quotes = "; ".join(md_text(x.cited(with_transcript=fw.rows_are == "participants"))
                                   for x in cell.quotes)
                out.append(f"- **{md_text(r.key)}** ({md_text(r.group)}, n={cell.count}): {quotes}")
            missing = [r.key for r in fw.rows if not r.cells[code].count]
            if missing:
                out.append(f"- *not coded in:* {md_text(', '.join(missing))}")
        memos = [r for r in fw.rows if r.memos]
        if memos:
            out += ["", "### Memos", ""]
            out += [f"- **{md_text(r.key)}**: {md_text(' | '.join(r.memos))}" for r in memos]
    return "\n".join(out) + "\n"
