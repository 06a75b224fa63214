"""Commands for getting transcripts in and looking at them: import, transcripts, show, pseudonyms."""

from __future__ import annotations

import json

import click

from .. import importing
from ..importing import convert
from ..importing.attributes import parse_assignments
from ..store import pseudonyms as pseudonym_store
from ..store import transaction
from ..store import transcripts as store
from . import main
from .common import fail, progress_bar


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--attr", "attrs", multiple=True, metavar="KEY=VALUE",
              help="Set an attribute on every file (overrides header table and manifest), e.g. stakeholder=ohs.")
@click.option("--manifest", type=click.Path(dir_okay=False, exists=True), metavar="FILE",
              help="CSV with one row per file: a 'file' column and attribute columns (overrides the header table).")
@click.option("--name", default=None, help="Transcript name (one file only); default: the file name without extension.")
@click.option("--replace", is_flag=True, help="Replace a transcript of the same name whose content changed.")
@click.option("--speaker-pattern", metavar="REGEX",
              help=r"Regular expression with a (?P<label>...) group that matches a turn's speaker label "
                   r"at the start of a paragraph, e.g. '^(?P<label>[A-Z]\d?) - '.")
@click.option("--convert", "do_convert", is_flag=True, hidden=not convert.available(),
              help="Convert .doc/.odt/.rtf files to .docx with LibreOffice first.")
@click.option("--pseudonymise", is_flag=True,
              help="Replace person names (Finnish NER) and names from --names by placeholders such as [Henkilö 1].")
@click.option("--names", "names_file", type=click.Path(dir_okay=False, exists=True), metavar="FILE",
              help="Names to pseudonymise, one a line; 'yritys: Acme Oy' marks a firm. Implies --pseudonymise.")
@click.option("--coder", default=None, help="Recorded as the importer.")
@click.option("--json", "as_json", is_flag=True, help="Print the per-file report as JSON.")
@click.option("--format", "fmt", type=click.Choice(["docx", "qdpx"]), default="docx", show_default=True,
              help="qdpx: a REFI-QDA project from qualcode or another QDA tool.")
@click.pass_obj
def import_cmd(obj, paths, attrs, manifest, name, replace, speaker_pattern, do_convert, pseudonymise, names_file,
               coder, as_json, fmt):
    """Import DOCX interview transcripts (each file in one transaction).

    Attributes come from, in rising priority: the document properties, the header table
    (or "Key: value" lines) before the first turn, --manifest, --attr.
    """
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
        opts = importing.ImportOptions(
            attributes=parse_assignments(attrs), replace=replace, speaker_pattern=speaker_pattern,
            imported_by=coder, convert=do_convert, pseudonymise=pseudonymise or bool(names_file), name=name,
            manifest=importing.read_manifest(manifest) if manifest else None)
        if names_file:
            from ..pseudonymise import read_name_list

            opts.name_list = read_name_list(names_file)
        if speaker_pattern:
            importing.compile_speaker_pattern(speaker_pattern)
        if name and len(paths) > 1:
            raise ValueError("--name sets the name of one transcript; give one file with it")
    except importing.ImportRefused as exc:
        fail(exc.message, 2)
    except ValueError as exc:  # bad --attr, manifest, name list
        fail(str(exc), 2)
    if do_convert and not convert.available():
        fail("--convert needs LibreOffice (soffice), which is not installed; install it "
             "(Debian: apt-get install libreoffice-writer-nogui) or save the files as .docx", 2)
    if opts.pseudonymise:
        from ..nlp import load_pipeline

        click.echo("loading the Finnish pipeline with NER for pseudonymisation…", err=True)
        opts.nlp = load_pipeline(with_ner=True)
    with progress_bar("import", "file") as update:
        reports = importing.import_files(obj.engine, paths, opts, progress=update)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for r in reports:
            click.echo(r.line())
    failed = sum(not r.ok for r in reports)
    done = sum(r.status in ("imported", "replaced") for r in reports)
    summary = f"{done} imported, {sum(r.status == 'skipped' for r in reports)} skipped, {failed} failed"
    click.echo(summary, err=as_json)
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
    if not rows:
        click.echo("no transcripts yet; `qualcode import FILE.docx` adds some")
    for r in rows:
        attrs = ", ".join(f"{k}={v}" for k, v in r["attributes"].items()
                          if k in ("stakeholder", "organisation_type", "format", "interview_id"))
        click.echo(f"{r['name']:<32} {r['turns']:>4} turns {r['segments']:>5} segments {r['words']:>6} words  {attrs}")


@main.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: name, attributes, participants, turns (speaker, role, text, start, end), text.")
@click.pass_obj
def show_cmd(obj, name, as_json):
    """Print one transcript as imported (NAME: see `qualcode transcripts`)."""
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
    for p in data["participants"]:
        extra = "; ".join(f"{k}: {v}" for k, v in p["attributes"].items())
        click.echo(f"- {p['label']} ({p['role']}){': ' + extra if extra else ''}")
    click.echo("")
    for turn in data["turns"]:
        ts = f" [{turn['timestamp']}]" if turn.get("timestamp") else ""
        click.echo(f"[{turn['role'][0].upper()}] {turn['speaker']}{ts}: {turn['text']}")
    for memo in data.get("memos", []):
        where = data["text"][memo["start"]:memo["end"]] if memo["start"] is not None else ""
        click.echo(f"\nmemo by {memo['coder']}: {memo['text']}" + (f"\n  on: {where[:80]!r}" if where else ""))


@main.group("pseudonyms")
def pseudonyms_group():
    """The pseudonym mapping (real name -> placeholder) made by `import --pseudonymise`."""


@pseudonyms_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def pseudonyms_list(obj, as_json):
    """Show which name each placeholder stands for (personal data: keep it to yourself)."""
    with transaction(obj.engine) as s:
        rows = pseudonym_store.mapping(s)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no pseudonym mapping stored")
    for r in rows:
        click.echo(f"{r['placeholder']:<16} {r['name']}")


@pseudonyms_group.command("delete")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def pseudonyms_delete(obj, yes):
    """Delete the whole mapping; transcripts keep their placeholders, the real names are gone."""
    if not yes:
        click.confirm("Delete the pseudonym mapping for good? Placeholders can no longer be traced to names",
                      abort=True)
    n = pseudonym_store.delete_mapping(obj.engine)
    click.echo(f"deleted {n} pseudonym(s); placeholders in transcripts stay, new ones get new numbers")
