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
