"""Commands for analysts: matrix, cooccurrence, framework, export, accept, reject."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from ..exports import FORMATS, PARTS, ReportError
from ..matrices import CO_UNITS, ROW_KINDS, STATUSES, TOTAL, UNITS, MatrixError, MatrixSpec
from ..store.models import STATUS_ACCEPTED, STATUS_REJECTED
from . import main
from .common import fail, progress_bar

UNIT_CHOICES = UNITS + ("transcripts",)


def spec_options(fn):
    """The options every matrix shares: what to group by, what to count, whose codings."""
    options = [
        click.option("--by", default="stakeholder", show_default=True,
                     help="Transcript or participant attribute for the columns (or `transcript`, `participant`)."),
        click.option("--unit", type=click.Choice(UNIT_CHOICES), default="segments", show_default=True,
                     help="Count coded segments, words coded, or transcripts (documents) / participants mentioning."),
        click.option("--status", type=click.Choice(STATUSES), default="accepted", show_default=True,
                     help="accepted codings only, or all (accepted + suggestions nobody rejected)."),
        click.option("--coder", default=None, help="Only this coder's codings [default: any coder's]."),
        click.option("--adjudicated", is_flag=True, help="Only the adjudicated (agreed) coding."),
        click.option("--no-rollup", is_flag=True, help="Count sub-codes on their own, not also for their parents."),
    ]
    for option in reversed(options):
        fn = option(fn)

    @functools.wraps(fn)
    def wrapper(*args, by, unit, status, coder, adjudicated, no_rollup, **kwargs):
        try:
            spec = MatrixSpec(by=by, unit=unit, status=status, coder=coder, adjudicated=adjudicated,
                              rollup=not no_rollup)
        except MatrixError as exc:
            fail(str(exc), 2)
        return fn(*args, spec=spec, **kwargs)

    return wrapper


def _emit(data: bytes | str, output: str | None, binary: bool) -> None:
    from ..exports import write_atomic

    if output:
        write_atomic(output, data.encode("utf-8") if isinstance(data, str) else data)
        click.echo(f"wrote {output}", err=True)
    elif binary:
        fail("this format needs -o FILE")
    else:
        click.echo(data if isinstance(data, str) else data.decode("utf-8"), nl=False)


def _prepare(engine) -> None:
    """Recount changed transcripts first, with a progress bar when there are many."""
    from ..matrices import BIG_REFRESH, prepare_counts, stale_transcripts

    if stale_transcripts(engine) > BIG_REFRESH:
        with progress_bar("counting code sets", "transcript") as update:
            prepare_counts(engine, update)


@main.command("matrix")
@spec_options
@click.option("--share", is_flag=True, help="Percent of each group's units instead of counts.")
@click.option("--total-row/--no-total-row", default=True, show_default=True,
              help="A last row counting units with any code.")
@click.option("--format", "fmt", type=click.Choice(["csv", "md", "xlsx", "png", "svg"]), default="md",
              show_default=True)
@click.option("--date", "when", default=None, help="Date written into xlsx files [default: latest change in the data].")
@click.option("--lang", type=click.Choice(["en", "fi"]), default="en", show_default=True, help="Code labels.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to a file.")
@click.pass_obj
def matrix_cmd(obj, spec, share, total_row, fmt, when, lang, output):
    """Theme matrix: codes by an attribute's values (interviewer turns excluded)."""
    from ..exports import build_report, render_report, to_csv, to_markdown

    spec.share, spec.total_row = share, total_row
    part = "shares" if share else "counts"
    try:
        _prepare(obj.engine)
        report = build_report(obj.engine, spec, when=when, lang=lang, parts=(part,))
        table = report.table(part)
        if not total_row:
            table.frame = table.frame.drop(index=[TOTAL], errors="ignore")
        if fmt == "csv":
            data = to_csv(table.frame)
        elif fmt == "md":
            data = to_markdown(table.frame)
        else:
            data = render_report(report, fmt, part)
    except (MatrixError, ReportError) as exc:
        fail(str(exc), 2)
    _emit(data, output, fmt in ("xlsx", "png", "svg"))


@main.command("cooccurrence")
@spec_options
@click.option("--on", "co_unit", type=click.Choice(CO_UNITS), default="segments", show_default=True,
              help="Count code pairs on the same segment or in the same speaker turn.")
@click.option("--group", default=None, help="Only units of this group of --by (e.g. ohs) [default: all].")
@click.option("--format", "fmt", type=click.Choice(["csv", "md"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None)
@click.pass_obj
def cooccurrence_cmd(obj, spec, co_unit, group, fmt, output):
    """Co-occurrence: codes by codes; the diagonal counts units carrying the code."""
    from ..exports import to_csv, to_markdown
    from ..matrices import cooccurrence

    try:
        _prepare(obj.engine)
        co = cooccurrence(obj.engine, spec, co_unit)
    except MatrixError as exc:
        fail(str(exc), 2)
    frames = co.frames()
    if (group or TOTAL) not in frames:
        fail(f"no group {group!r} of {spec.by}; groups: {', '.join(co.by_group)}", 2)
    frame = frames[group or TOTAL]
    _emit(to_csv(frame) if fmt == "csv" else to_markdown(frame), output, False)


@main.command("framework")
@spec_options
@click.option("--rows", "rows", type=click.Choice(ROW_KINDS), default="transcripts", show_default=True)
@click.option("--quotes", "quotes", type=click.IntRange(0, 50), default=3, show_default=True,
              help="Representative quotes per cell.")
@click.option("--code", "codes", multiple=True, help="Only these codes (repeat the option) [default: all].")
@click.option("--format", "fmt", type=click.Choice(["md", "csv"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None)
@click.pass_obj
def framework_cmd(obj, spec, rows, quotes, codes, fmt, output):
    """Framework matrix: transcripts or participants by codes, cells with quotes, and memos."""
    from ..exports import to_csv
    from ..exports.markdown import md_text
    from ..matrices import framework_matrix

    try:
        _prepare(obj.engine)
        fw = framework_matrix(obj.engine, spec, rows, quotes, list(codes) or None)
    except MatrixError as exc:
        fail(str(exc), 2)
    if fmt == "csv":
        _emit(to_csv(fw.to_frame()), output, False)
        return
    lines = []
    for code in fw.codes:
        lines += [f"## {code}", ""]
        for r in fw.rows:
            cell = r.cells[code]
            if cell.count:
                cited = "; ".join(md_text(x.cited(rows == "participants")) for x in cell.quotes)
                lines.append(f"- **{md_text(r.key)}** ({md_text(r.group)}, n={cell.count}): {cited}")
        lines.append("")
    _emit("\n".join(lines), output, False)


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS + ("qdc", "qdpx")), required=True,
              help="xlsx/docx/md: the report (method, matrices, co-occurrence, framework quotes); "
                   "csv/png/svg: one table (--table); qdc: REFI-QDA codebook; qdpx: REFI-QDA project.")
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False), default=None,
              help="For qdc: the codebook file [default: the codebook in use].")
@click.option("--table", default="counts", show_default=True,
              help="For csv/png/svg: counts, shares, documents, documents_shares, cooccurrence_segments, "
                   "cooccurrence_turns (add _GROUP for one group) or framework.")
@click.option("--part", "parts", multiple=True, type=click.Choice(PARTS),
              help="For xlsx/docx/md: only these parts (repeat the option) [default: all].")
@click.option("--rows", "framework_rows", type=click.Choice(ROW_KINDS), default="transcripts", show_default=True,
              help="Framework matrix rows.")
@click.option("--quotes", type=click.IntRange(0, 50), default=3, show_default=True,
              help="Representative quotes per framework cell.")
@click.option("--date", "when", default=None,
              help="Date written into the files (YYYY-MM-DD) [default: latest change in the data].")
@click.option("--lang", type=click.Choice(["en", "fi"]), default="en", show_default=True, help="Code labels.")
@spec_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
@click.pass_obj
def export_cmd(obj, fmt, codebook_path, table, parts, framework_rows, quotes, when, lang, spec, output):
    """Export matrices and reports, or the project or its codebook (REFI-QDA)."""
    from .. import refi
    from ..codebook import CodebookError, load_codebook
    from ..exports import export
    from ..review import codebook_in_use

    path = Path(output)
    try:
        if fmt == "qdc":
            book = load_codebook(codebook_path)[0] if codebook_path else codebook_in_use(obj.engine)
            if book is None:
                book = load_codebook()[0]
            refi.write_qdc(book, path)
        elif fmt == "qdpx":
            click.echo(refi.write_qdpx(obj.engine, path))
        else:
            _prepare(obj.engine)
            export(obj.engine, spec, fmt, path, table=table, when=when, lang=lang, parts=tuple(parts) or PARTS,
                   framework_rows=framework_rows, quotes_per_cell=quotes)
    except (CodebookError, NotImplementedError, refi.RefiError) as exc:
        fail(str(exc))
    except (MatrixError, ReportError, KeyError) as exc:
        fail(str(exc).strip('"'), 2)
    click.echo(f"wrote {output}")


def _bulk(obj, status, coder, transcripts, codes, min_score, max_score, dry_run):
    from ..bulk import bulk_decide
    from ..store.codings import DecisionError

    try:
        with progress_bar(status[:-2] if status.endswith("ed") else status, "decision") as update:
            result = bulk_decide(obj.engine, coder, status, transcripts=list(transcripts) or None,
                                 codes=list(codes) or None, min_score=min_score, max_score=max_score,
                                 dry_run=dry_run, progress=update)
    except DecisionError as exc:
        fail(str(exc), 2)
    click.echo(result.summary())


def bulk_options(fn):
    options = [
        click.option("--coder", required=True, help="Whose decisions these are."),
        click.option("--transcript", "transcripts", multiple=True, help="Only this transcript (repeatable)."),
        click.option("--code", "codes", multiple=True, help="Only this code (repeatable)."),
        click.option("--min-score", type=float, default=None, help="Only suggestions scoring at least this."),
        click.option("--max-score", type=float, default=None, help="Only suggestions scoring at most this."),
        click.option("--dry-run", is_flag=True, help="Count what would be decided; change nothing."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@main.command("accept")
@bulk_options
@click.pass_obj
def accept_cmd(obj, coder, transcripts, codes, min_score, max_score, dry_run):
    """Accept the open suggestions that match (in one transaction, each decision audited)."""
    _bulk(obj, STATUS_ACCEPTED, coder, transcripts, codes, min_score, max_score, dry_run)


@main.command("reject")
@bulk_options
@click.pass_obj
def reject_cmd(obj, coder, transcripts, codes, min_score, max_score, dry_run):
    """Reject the open suggestions that match (in one transaction, each decision audited)."""
    _bulk(obj, STATUS_REJECTED, coder, transcripts, codes, min_score, max_score, dry_run)

