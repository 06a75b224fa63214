"""An analysis report: the method, the matrices and the framework matrix, read in one go.

Everything is read in one transaction, so the tables agree with each other. The report is
format-free; ``xlsx``, ``docx`` and ``markdown`` write it. Its date is explicit or the time
of the latest change in the data, never "now", so the same data gives the same file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from .. import __version__
from ..codebook import Codebook
from ..matrices import (
    TOTAL,
    UNIT_NAMES,
    FrameworkMatrix,
    MatrixSpec,
    build_cooccurrence,
    build_framework,
    build_theme_matrix,
    code_labels,
    load_context,
)
from ..matrices.spec import BASE_NAMES, reading
from ..store import matrices as q
from ..store.codebooks import current_version

INDENT = "\u00a0\u00a0"  # sub-codes are indented with non-breaking spaces in every format
PARTS = ("counts", "shares", "documents", "cooccurrence", "framework")


class ReportError(ValueError):
    """A report that cannot be made as asked (bad date, unknown part)."""


@dataclass
class Table:
    key: str
    title: str
    frame: pd.DataFrame
    kind: str  # counts | shares | cooccurrence | framework
    note: str = ""

    @property
    def numeric(self) -> bool:
        return self.kind != "framework"


@dataclass
class Report:
    title: str
    date: datetime
    method: list[tuple[str, str]]
    tables: list[Table]
    labels: dict[str, str] = field(default_factory=dict)  # code -> display label (indented)
    framework: FrameworkMatrix | None = None
    code_names: dict[str, str] = field(default_factory=dict)  # code -> plain label

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(f"no table {key!r}; this report has: {', '.join(t.key for t in self.tables)}")

    def label(self, row) -> str:
        return self.labels.get(row, str(row))


def parse_date(value: str | date | datetime | None) -> datetime | None:
    """An export date from ``YYYY-MM-DD`` or an ISO date-time (None stays None)."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ReportError(f"export date {value!r}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS") from exc


def safe_url(url: str) -> str:
    """The database URL without a password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def build_report(engine: Engine, spec: MatrixSpec, *, when: str | date | datetime | None = None,
                 lang: str = "en", parts: tuple[str, ...] = PARTS, framework_rows: str = "transcripts",
                 quotes_per_cell: int = 3, codebook: Codebook | None = None, title: str | None = None) -> Report:
    """Read everything the exports show; ``parts`` picks the tables (default: all)."""
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise ReportError(f"unknown report parts: {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    stamp = parse_date(when)
    with reading(engine) as s:
        ctx = load_context(s, spec, codebook)
        theme = build_theme_matrix(s, spec, ctx=ctx)
        tables: list[Table] = []
        by, unit = spec.by, spec.unit
        if "counts" in parts:
            tables.append(Table("counts", f"Theme matrix: {UNIT_NAMES[unit]} by {by}", theme.frame(False, True),
                                "counts", "The total row counts units with at least one code (not the column sum)."))
        if "shares" in parts:
            tables.append(Table("shares", f"Shares: % of each group's {BASE_NAMES[unit]} ({UNIT_NAMES[unit]})",
                                theme.frame(True, True), "shares",
                                "Percent of everything the group said (coded or not), one decimal."))
        if "documents" in parts and unit != "documents":
            docs = build_theme_matrix(s, MatrixSpec(**{**spec.__dict__, "unit": "documents"}), ctx=ctx)
            tables.append(Table("documents", f"Transcripts mentioning each code, by {by}", docs.frame(False, True),
                                "counts"))
            tables.append(Table("documents_shares", f"Transcripts mentioning: % of each group's transcripts",
                                docs.frame(True, True), "shares"))
        if "cooccurrence" in parts:
            for co_unit in ("segments", "turns"):
                co = build_cooccurrence(s, spec, co_unit, ctx=ctx)
                for group, frame in co.frames().items():
                    where = "all groups" if group == TOTAL else f"{by} = {group}"
                    key = f"cooccurrence_{co_unit}" + ("" if group == TOTAL else f"_{group}")
                    tables.append(Table(key, f"Co-occurrence on {co_unit} ({where})", frame, "cooccurrence",
                                        f"Diagonal: {co_unit} carrying the code at all."))
        framework = None
        if "framework" in parts:
            framework = build_framework(s, spec, framework_rows, quotes_per_cell, ctx=ctx)
        version = current_version(s)
        totals = q.counts(s)
        if stamp is None:
            stamp = q.data_timestamp(s) or datetime(1980, 1, 1)
        db = safe_url(str(engine.url))
    names = code_labels(ctx.codebook, lang)
    labels = {c: INDENT * d + names.get(c, c) for c, d in theme.depth.items()}
    if framework is not None:
        frame = framework.to_frame({c: names.get(c, c) for c in framework.codes})
        tables.append(Table("framework", f"Framework matrix: {framework_rows} by codes", frame, "framework",
                            "Each cell: n coded segments, then representative quotes (speaker, turn)."))
    method = [
        ("tool", f"qualcode {__version__}"),
        ("database", db),
        ("codebook", ctx.codebook_version or "none recorded (run `qualcode tag`)"),
        ("codebook sha256", version.content_hash if version else ""),
        ("date", stamp.isoformat(timespec="seconds")),
        ("date source", "given" if when is not None else "latest change in the data"),
        *[(k, v) for k, v in spec.filters().items()],
        ("sub-codes", "rolled up into their parents" if spec.rollup else "counted on their own"),
        ("shares", f"% of each group's {BASE_NAMES[unit]}, coded or not"),
        ("groups", f"a participant's own {by!r} if recorded, else the transcript's; "
                   "empty groups of the vocabulary shown as zeros"),
        ("quotes", f"up to {quotes_per_cell} per cell: most coders agreeing, then tagger score, then longest"),
        *[(f"{k} in database", str(v)) for k, v in totals.items()],
    ]
    return Report(title or f"Theme matrices by {by}", stamp, method, tables, labels, framework,
                  {c: names.get(c, c) for c in theme.depth})
