"""Commands for getting transcripts in and looking at them: import, transcripts, show."""

from __future__ import annotations

import json

import click

from .. import importing
from ..importing.attributes import parse_assignments
from ..store import transaction
from ..store import transcripts as store
from . import main
from .common import fail, progress_bar


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--attr", "attrs", multiple=True, metavar="KEY=VALUE",
              help="Set an attribute on every file (overrides the header table), e.g. stakeholder=ohs.")
@click.option("--replace", is_flag=True, help="Replace a transcript of the same name whose content changed.")
@click.option("--speaker-pattern", metavar="REGEX",
              help=r"Regular expression with a (?P<label>...) group that matches a turn's speaker label.")
@click.option("--coder", default=None, help="Recorded as the importer.")
@click.option("--format", "fmt", type=click.Choice(["docx", "qdpx"]), default="docx", show_default=True,
              help="qdpx: a REFI-QDA project from qualcode or another QDA tool.")
@click.pass_obj
def import_cmd(obj, paths, attrs, replace, speaker_pattern, coder, fmt):
    """Import DOCX interview transcripts (each file in one transaction)."""
    if fmt == "qdpx":
        from .. import refi

        for path in paths:
            try:
                with progress_bar("segmenting coded texts", "word") as update:
                    report = refi.read_qdpx(obj.engine, path, progress=update)
                click.echo(report)
            except (NotImplementedError, refi.RefiError) as exc:
                fail(str(exc))
        return
    try:
        extra = parse_assignments(attrs)
    except ValueError as exc:
        fail(str(exc), 2)
    with progress_bar("import", "file") as update:
        reports = importing.import_files(obj.engine, paths, attributes=extra, replace=replace,
                                         speaker_pattern=speaker_pattern, imported_by=coder, progress=update)
    for r in reports:
        click.echo(r.line())
    failed = sum(not r.ok for r in reports)
    done = sum(r.status in ("imported", "replaced") for r in reports)
    click.echo(f"{done} imported, {sum(r.status == 'skipped' for r in reports)} skipped, {failed} failed")
    if failed:
        raise SystemExit(1)


@main.command("transcripts")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def transcripts_cmd(obj, as_json):
    """List transcripts with attributes and counts of turns, segments and words."""
    with transaction(obj.engine) as s:
        rows = store.list_transcripts(s)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        attrs = ", ".join(f"{k}={v}" for k, v in r["attributes"].items()
                          if k in ("stakeholder", "organisation_type", "format", "interview_id"))
        click.echo(f"{r['name']:<32} {r['turns']:>4} turns {r['segments']:>5} segments {r['words']:>6} words  {attrs}")


@main.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (name, attributes, participants, turns, text).")
@click.pass_obj
def show_cmd(obj, name, as_json):
    """Print one transcript as imported."""
    with transaction(obj.engine) as s:
        t = store.load(s, name)
        if t is None:
            fail(f"no transcript named {name!r}; `qualcode transcripts` lists them")
        data = store.as_dict(t)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"# {data['name']} ({data['source_file']})")
    for k, v in data["attributes"].items():
        click.echo(f"{k}: {v}")
    click.echo("")
    for turn in data["turns"]:
        click.echo(f"[{turn['role'][0].upper()}] {turn['speaker']}: {turn['text']}")
