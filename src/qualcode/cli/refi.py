"""`qualcode codebook import-qdc`: a REFI-QDA codebook from another tool as qualcode codebook YAML."""

from __future__ import annotations

from pathlib import Path

import click

from .codebook import codebook_group
from .common import fail


@codebook_group.command("import-qdc")
@click.argument("qdc_file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the YAML to this file instead of printing it.")
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
def import_qdc_cmd(qdc_file, output, force):
    """Read a REFI-QDA codebook (.qdc, e.g. from MAXQDA, NVivo, ATLAS.ti, QualCoder) into codebook YAML.

    Names, colours, descriptions and the hierarchy come across; ids are derived from code
    names where the file has none of qualcode's. Add patterns and examples before tagging.
    """
    from ..refi import RefiError, read_qdc
    from ..exports.files import write_atomic

    try:
        text = read_qdc(Path(qdc_file))
    except RefiError as exc:
        fail(str(exc))
    if output is None:
        click.echo(text, nl=False)
        return
    if Path(output).exists() and not force:
        fail(f"{output} exists; choose another file or add --force to overwrite it")
    write_atomic(output, text.encode("utf-8"))
    click.echo(f"wrote {output}")
