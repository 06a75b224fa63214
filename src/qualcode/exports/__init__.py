"""Exports: matrices and reports as CSV, Markdown, XLSX, DOCX and heat maps (PNG, SVG).

Every export is deterministic for the same data (stable order, dates from the data or given)
and written to a temporary file that is renamed into place, so a failed export leaves no
half file. ``render_report`` gives bytes (for the app's download buttons); ``export`` writes.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine

from ..matrices import TOTAL, MatrixSpec
from .files import normalise_zip, write_atomic
from .plots import PLOT_FORMATS, heatmap
from .report import PARTS, Report, ReportError, Table, build_report, parse_date
from .tables import to_csv, to_markdown

REPORT_FORMATS = ("xlsx", "docx", "md")
TABLE_FORMATS = ("csv",) + PLOT_FORMATS
FORMATS = REPORT_FORMATS + TABLE_FORMATS
MIME = {
    "csv": "text/csv",
    "md": "text/markdown",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "png": "image/png",
    "svg": "image/svg+xml",
}

__all__ = [
    "FORMATS", "MIME", "PARTS", "REPORT_FORMATS", "TABLE_FORMATS", "Report", "ReportError", "Table",
    "build_report", "export", "heatmap", "normalise_zip", "parse_date", "part_of", "refi_bytes", "render_report",
    "render_table",
    "to_csv", "to_markdown", "write_atomic",
]


def part_of(table: str) -> str:
    """The report part that holds ``table`` (``cooccurrence_turns_ohs`` -> ``cooccurrence``)."""
    for part in PARTS:
        if table == part or table.startswith(part + "_"):
            return part
    raise ReportError(f"unknown table {table!r}; tables: counts, shares, documents, documents_shares, "
                      "cooccurrence_segments, cooccurrence_turns (add _GROUP for one group), framework")


def render_table(report: Report, table: str, fmt: str) -> bytes:
    """One table of the report as CSV or as a heat map (PNG, SVG)."""
    t = report.table(table)
    if fmt == "csv":
        return to_csv(t.frame).encode("utf-8")
    if fmt in PLOT_FORMATS:
        if t.kind == "framework":
            raise ReportError("the framework matrix holds quotes; plot a counts, shares or co-occurrence table")
        frame = t.frame.drop(index=[TOTAL], errors="ignore").drop(columns=[TOTAL], errors="ignore")
        if t.kind == "cooccurrence":
            frame = frame.rename(columns=report.code_names)
        labels = {k: report.label(k).strip("\u00a0") for k in frame.index}
        return heatmap(frame, fmt, t.title, labels, percent=t.kind == "shares")
    raise ReportError(f"{fmt!r} is not a one-table format; use one of {', '.join(TABLE_FORMATS)}")


def render_report(report: Report, fmt: str, table: str = "counts") -> bytes:
    """The report in ``fmt``: xlsx, docx and md hold every table; csv, png and svg one."""
    if fmt == "xlsx":
        from .xlsx import to_xlsx

        return to_xlsx(report)
    if fmt == "docx":
        from .docx_report import to_docx

        return to_docx(report)
    if fmt == "md":
        from .markdown import to_md

        return to_md(report).encode("utf-8")
    if fmt in TABLE_FORMATS:
        return render_table(report, table, fmt)
    raise ReportError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")


def export(engine: Engine, spec: MatrixSpec, fmt: str, path: str | Path, *, table: str = "counts",
           when: str | date | datetime | None = None, lang: str = "en", parts: tuple[str, ...] = PARTS,
           framework_rows: str = "transcripts", quotes_per_cell: int = 3) -> Path:
    """Build the report and write it to ``path`` (temporary file + rename)."""
    if fmt in TABLE_FORMATS:
        parts = (part_of(table),)
    report = build_report(engine, spec, when=when, lang=lang, parts=parts, framework_rows=framework_rows,
                          quotes_per_cell=quotes_per_cell)
    return write_atomic(path, render_report(report, fmt, table))


def refi_bytes(engine: Engine, fmt: str) -> bytes:
    """The REFI-QDA project (qdpx) or codebook (qdc) as bytes, for a download button.

    Raises NotImplementedError while the REFI-QDA module cannot write that format yet.
    """
    import tempfile

    from .. import refi

    if fmt not in ("qdpx", "qdc"):
        raise ReportError(f"REFI-QDA format must be qdpx or qdc, not {fmt!r}")
    with tempfile.TemporaryDirectory(prefix="qualcode-refi-") as tmp:
        path = Path(tmp) / f"project.{fmt}"
        if fmt == "qdpx":
            refi.write_qdpx(engine, path)
        else:
            from ..codebook import load_codebook
            from ..review import codebook_in_use

            refi.write_qdc(codebook_in_use(engine) or load_codebook()[0], path)
        return path.read_bytes()
