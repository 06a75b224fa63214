"""Commands for analysts: matrix."""

from __future__ import annotations

from pathlib import Path

import click

from ..exports import write_table
from ..matrices import STATUSES, UNITS, MatrixSpec, theme_matrix, to_markdown
from . import main
from .common import fail


@main.command("matrix")
@click.option("--by", default="stakeholder", show_default=True, help="Transcript attribute for the columns.")
@click.option("--unit", type=click.Choice(UNITS), default="segments", show_default=True,
              help="Count coded segments or transcripts (documents) mentioning the code.")
@click.option("--status", type=click.Choice(STATUSES), default="accepted", show_default=True,
              help="accepted codings only, or all (accepted + suggestions nobody rejected).")
@click.option("--coder", default=None, help="Only this coder's codings.")
@click.option("--format", "fmt", type=click.Choice(["csv", "md", "xlsx"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to a file.")
@click.pass_obj
def matrix_cmd(obj, by, unit, status, coder, fmt, output):
    """Theme matrix: codes by an attribute's values (interviewer turns excluded)."""
    frame = theme_matrix(obj.engine, MatrixSpec(by=by, unit=unit, status=status, coder=coder))
    if output:
        write_table(frame, Path(output), fmt)
        click.echo(f"wrote {output}")
    elif fmt == "xlsx":
        fail("--format xlsx needs -o FILE")
    elif fmt == "csv":
        click.echo(frame.to_csv(), nl=False)
    else:
        click.echo(to_markdown(frame), nl=False)


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "md", "qdc", "qdpx"]), required=True,
              help="qdc: REFI-QDA codebook; qdpx: REFI-QDA project; csv/xlsx/md: the stakeholder matrix.")
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False), default=None,
              help="For qdc: the codebook file [default: the codebook in use].")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
@click.pass_obj
def export_cmd(obj, fmt, codebook_path, output):
    """Export the project or its codebook."""
    from .. import refi
    from ..codebook import CodebookError, load_codebook
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
            write_table(theme_matrix(obj.engine, MatrixSpec()), path, fmt)
    except (CodebookError, NotImplementedError, refi.RefiError) as exc:
        fail(str(exc))
    click.echo(f"wrote {output}")
