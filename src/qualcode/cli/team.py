"""Commands for a team: agreement, history, backup, restore, check, db."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import agreement as agr
from ..store import SchemaError
from . import main
from .common import fail, progress_bar


@main.command("agreement")
@click.option("--transcript", "transcripts", multiple=True, metavar="NAME", help="Only these transcripts.")
@click.option("--coder", "coders", multiple=True, metavar="NAME",
              help="Compare these coders [default: everyone who coded; not #adjudicated].")
@click.option("--code", "codes", multiple=True, metavar="CODE", help="Only these codes.")
@click.option("--include-uncoded", is_flag=True,
              help="Also count units no coder applied a code to (as agreement on 'no code').")
@click.option("--adjudicated", is_flag=True, help="Treat the adjudicated coding as one more coder.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Ratings coded elsewhere: rows unit,coder,code (empty code = rated, nothing applied).")
@click.option("--absent-is-missing", is_flag=True,
              help="With --csv: a coder without a row for a unit did not rate it (default: applied nothing).")
@click.option("--save-ratings", type=click.Path(dir_okay=False), default=None,
              help="Also write the ratings compared as unit,coder,code rows (read back with --absent-is-missing).")
@click.option("--base-url", default="", metavar="URL",
              help="Prefix for the links to the app's comparison view, e.g. https://qualcode.example.org.")
@click.option("--max-disagreements", default=20, show_default=True, help="Disagreeing segments to list.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"codes": {CODE: {"alpha", "kappa", "percent_agreement", "n_units"}}, "overall": {...}}.')
@click.pass_obj
def agreement_cmd(obj, transcripts, coders, codes, include_uncoded, adjudicated, csv_path, absent_is_missing,
                  save_ratings, base_url, max_disagreements, as_json):
    """Intercoder agreement per code and overall: percent agreement, Cohen's kappa, Krippendorff's alpha.

    Units are segments of participant turns. A segment no coder coded is left out (uncoded
    text is not agreement); a coder who never decided anything on a segment, and has not
    marked its transcript done, did not rate it (missing data).
    """
    try:
        if csv_path:
            units = agr.read_csv(csv_path, absent_is_missing=absent_is_missing)
            report = agr.compare(units, coders or None, codes or None, include_uncoded=include_uncoded)
        else:
            units = agr.database_units(obj.engine, transcripts=transcripts, coders=coders or None,
                                       include_adjudicated=adjudicated)
            report = agr.compare(units, coders or None, codes or None, include_uncoded=include_uncoded,
                                 link=lambda u: agr.comparison_link(u.transcript, u.segment_id, base_url))
    except agr.AgreementInputError as exc:
        fail(str(exc))
    if save_ratings:
        agr.write_csv(report.units, save_ratings)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
    else:
        click.echo(agr.format_report(report, max_disagreements=max_disagreements))


@main.command("history")
@click.option("--transcript", metavar="NAME", default=None, help="Only this transcript (also after deletion).")
@click.option("--who", metavar="NAME", default=None, help="Only changes by this person.")
@click.option("--limit", default=200, show_default=True, help="Newest N entries (0 = all).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list of {at, who, action, entity, ...}.")
@click.pass_obj
def history_cmd(obj, transcript, who, limit, as_json):
    """The audit trail: who changed what and when (codings, memos, transcripts, codebook)."""
    from ..history import project_history

    try:
        items = project_history(obj.engine, transcript=transcript, who=who, limit=limit or None)
    except KeyError as exc:
        fail(exc.args[0])
    if as_json:
        click.echo(json.dumps([i.as_json() for i in items], ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo("no changes recorded")
    for i in items:
        where = f"  [{i.transcript}]" if i.transcript and not transcript else ""
        click.echo(f"{i.at:%Y-%m-%d %H:%M:%S}  {i.who:<16} {i.summary}{where}")


@main.command("backup")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The backup file.")
@click.option("--format", "kind", type=click.Choice(["auto", "sqlite", "pg_dump"]), default="auto",
              show_default=True,
              help="auto: SQLite's online backup for SQLite, pg_dump for PostgreSQL when installed, "
                   "else a SQLite file.")
@click.pass_obj
def backup_cmd(obj, output, kind):
    """A consistent copy of the database while others keep working."""
    from ..store.backup import BackupError, backup

    try:
        with progress_bar("backup", "row") as update:
            result = backup(obj.url, output, kind=kind, progress=update)
    except (BackupError, SchemaError) as exc:
        fail(str(exc))
    click.echo(result.line())


@main.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, exists=True))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--no-safety-copy", is_flag=True, help="Do not back up the current database first.")
@click.pass_obj
def restore_cmd(obj, source, yes, no_safety_copy):
    """Replace the database by a backup (the current one is saved first)."""
    from ..store import audit
    from ..store.backup import BackupError, restore, safety_copy_path

    safety = None if no_safety_copy else safety_copy_path(obj.url)
    if not yes:
        saved = f" (it is saved to {safety} first)" if safety else " (NOT saved first)"
        click.confirm(f"Replace everything in {obj.url} by {source}{saved}?", abort=True)
    try:
        with progress_bar("restore", "row") as update:
            result = restore(obj.url, Path(source), who=audit.actor(), safety_copy=safety, progress=update)
    except (BackupError, SchemaError) as exc:
        fail(str(exc))
    click.echo(result.line())


@main.command("check")
@click.option("--recount", is_flag=True,
              help="First put back the triggers that keep matrix counts and recount every transcript.")
@click.pass_obj
def check_cmd(obj, recount):
    """Check the database: the storage engine's integrity check and qualcode's invariants."""
    from ..store.integrity import check
    from ..store.integrity import recount as recount_all

    if recount:
        with progress_bar("recount", "transcript") as update:
            n = recount_all(obj.engine, update)
        click.echo(f"recounted {n} transcripts")
    report = check(obj.engine)
    click.echo(report.summary())
    if not report.ok:
        raise SystemExit(1)


@main.group("db")
def db_group():
    """The schema: status, upgrade, new revisions (for developers)."""


@db_group.command("status")
@click.pass_obj
def db_status(obj):
    """The database's schema revision and how it differs from this qualcode's models."""
    from ..store import make_engine
    from ..store.schema import current_revision, differences, head_revision

    engine = make_engine(obj.url, create=False)
    current, head = current_revision(engine), head_revision()
    click.echo(f"database revision: {current or '(none)'}\nqualcode head:     {head}")
    if current == head:
        diff = differences(engine)
        click.echo("schema matches the models" if not diff else f"schema differs from the models: {diff}")
    else:
        click.echo("the next qualcode command upgrades it (or `qualcode db upgrade`)")


@db_group.command("upgrade")
@click.pass_obj
def db_upgrade(obj):
    """Create or upgrade the schema now (every command does this on first use anyway)."""
    from ..store import make_engine, migrate

    try:
        click.echo(migrate(make_engine(obj.url, create=False)))
    except SchemaError as exc:
        fail(str(exc))


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What changed, e.g. 'memo tags'.")
def db_revision(message):
    """Write a new revision from the models' changes (review it before committing)."""
    from ..store.schema import write_revision

    try:
        path = write_revision(message)
    except SchemaError as exc:
        fail(str(exc))
    click.echo(f"wrote {path}: read it, fix renames and data moves, run tests/test_migrations.py")
