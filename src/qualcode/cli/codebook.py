"""`qualcode codebook ...`: commands for codebook maintainers."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click

from ..codebook import CodebookError, json_schema, load_codebook, validate_file
from . import main
from .common import fail, progress_bar


@main.group("codebook")
def codebook_group():
    """Validate, compare and apply codebook versions."""


@codebook_group.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def validate_cmd(files, as_json):
    """Check codebook files: every problem with file:line:column. Exit 0 only when all are valid."""
    reports = [validate_file(f) for f in files]
    if as_json:
        click.echo(json.dumps([{"file": r.source, "ok": r.ok, "problems": [p.as_dict() for p in r.problems]}
                               for r in reports], ensure_ascii=False, indent=2))
    else:
        for r in reports:
            for p in r.problems:
                click.echo(str(p))
            click.echo(r.summary())
    if not all(r.ok for r in reports):
        raise SystemExit(1)


@codebook_group.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to a file.")
def schema_cmd(output):
    """Print the JSON Schema of codebook files (the single definition, from the pydantic model)."""
    text = json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@codebook_group.command("diff")
@click.argument("old")
@click.argument("new")
@click.argument("path", required=False)
@click.option("--json", "as_json", is_flag=True)
def diff_cmd(old, new, path, as_json):
    """What changed between two codebook versions, in words.

    \b
    qualcode codebook diff OLD.yaml NEW.yaml
    qualcode codebook diff HEAD~1:codebooks/peer_support.yaml codebooks/peer_support.yaml
    qualcode codebook diff v1.0 HEAD codebooks/peer_support.yaml     (two git revisions of one file)
    """
    from ..codebook.diff import diff_sources

    try:
        result = diff_sources(old, new, path)
    except CodebookError as exc:
        fail(str(exc))
    click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2) if as_json else result.render(), nl=False)


@codebook_group.command("apply")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would happen to codings and suggestions; write nothing.")
@click.option("--no-retag", is_flag=True, help="Skip re-tagging (`qualcode tag` does it later).")
@click.option("--coder", default=None, help="Recorded in the audit log [default: your login name].")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.pass_obj
def apply_cmd(obj, file, dry_run, no_retag, coder, as_json):
    """Make FILE the project's codebook version, carrying codings and suggestions over.

    Renamed and merged codes' codings move to the new id, codings of split codes are flagged
    for review, retired codes stay on old codings. One transaction; then only the segments the
    change can affect are re-tagged.
    """
    from ..codebook.migrate import apply_codebook

    who = coder or _login()
    try:
        book, text = load_codebook(file)
        if dry_run or no_retag:
            report = apply_codebook(obj.engine, book, text, source_path=file, who=who, dry_run=dry_run, retag=False)
        else:
            with progress_bar("re-tag", "word") as update:
                report = apply_codebook(obj.engine, book, text, source_path=file, who=who, progress=update)
    except CodebookError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps({**report.plan.as_dict(), "dry_run": dry_run,
                               "suggestion_changes": report.suggestion_changes}, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(report.lines()))
    if report.plan.blocking:
        raise SystemExit(1)


@codebook_group.command("versions")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def versions_cmd(obj, as_json):
    """Codebook versions recorded in the project, and which version each transcript was tagged with."""
    from ..codebook.overview import version_history

    history = version_history(obj.engine)
    if as_json:
        click.echo(json.dumps(history, ensure_ascii=False, indent=2, default=str))
        return
    if not history["versions"]:
        click.echo("no codebook version recorded yet: run `qualcode tag` or `qualcode codebook apply FILE`")
        return
    for v in history["versions"]:
        mark = "*" if v["current"] else " "
        click.echo(f"{mark} {v['name']} {v['version']}  applied {v['applied_at']}  {v['source_path'] or ''}".rstrip())
    click.echo("")
    for t in history["transcripts"]:
        tagged = ", ".join(f"{ver}: {n}" for ver, n in t["tagged"].items()) or "not tagged"
        click.echo(f"{t['name']}: {t['segments']} segments; tagged under {tagged}")


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "codebook"
