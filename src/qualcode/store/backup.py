"""Backups and restores that are consistent while coders keep working.

SQLite: the online backup API copies a consistent snapshot page by page while others read
and write. PostgreSQL: ``pg_dump`` (custom format) where it is installed, otherwise a
portable copy into a SQLite file read in one repeatable-read snapshot. A restore takes
either kind; a SQLite backup can also be restored into PostgreSQL (moving a project onto a
team server) and the other way round. Every restore first checks the file, upgrades a copy
of an older backup to the current schema, replaces the data in one transaction, and logs
itself in the audit trail.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, delete, func, insert, select, text
from sqlalchemy.engine import URL, make_url

from .db import engine_url, is_sqlite, make_engine
from .models import AuditEntry, Base, Transcript

Progress = Callable[[int, int, str], None]
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    kind: str  # sqlite | pg_dump
    transcripts: int
    size: int

    def line(self) -> str:
        return f"wrote {self.path} ({self.kind}, {self.transcripts} transcripts, {self.size / 1e6:.1f} MB)"


def _sqlite_path(url: URL) -> Path:
    return Path(url.database)


def _pg_cli_url(url: URL) -> tuple[str, list[str]]:
    """A libpq URL for the PostgreSQL tools and, for a URL that pins a schema, its --schema option."""
    plain = url.set(drivername="postgresql")
    options = plain.query.get("options", "")
    found = re.search(r"search_path=([\w]+)", options if isinstance(options, str) else " ".join(options))
    return plain.render_as_string(hide_password=False), ([f"--schema={found.group(1)}"] if found else [])


def _pg_tool(name: str) -> str | None:
    return shutil.which(name)


def _count_transcripts(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Transcript))


def file_kind(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "pg_dump"
    raise BackupError(f"{path}: neither a SQLite database nor a pg_dump archive; give a file `qualcode backup` made")


# --- backup ------------------------------------------------------------------------------------

def backup(url: str, output: str | Path, *, kind: str = "auto", progress: Progress | None = None) -> BackupResult:
    """Write a consistent copy of the database at ``url`` to ``output`` (temp file, then rename)."""
    parsed = engine_url(url)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        if kind == "auto":
            kind = "sqlite" if is_sqlite(parsed) or not _pg_tool("pg_dump") else "pg_dump"
        tmp = output.with_name(f".{output.name}.partial")
        tmp.unlink(missing_ok=True)
        if kind == "pg_dump":
            if is_sqlite(parsed):
                raise BackupError("pg_dump backs up PostgreSQL databases; this one is SQLite (use --format sqlite)")
            _pg_dump(parsed, tmp)
        elif is_sqlite(parsed):
            _sqlite_online_backup(_sqlite_path(parsed), tmp, progress)
        else:
            target = make_engine(f"sqlite:///{tmp}")
            try:
                copy_database(engine, target, progress=progress)
            finally:
                target.dispose()
            _finish_sqlite_file(tmp)
        os.replace(tmp, output)
        return BackupResult(output, kind, _count_transcripts(engine), output.stat().st_size)
    finally:
        engine.dispose()


def _sqlite_online_backup(source: Path, target: Path, progress: Progress | None) -> None:
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        def step(status, remaining, total):
            if progress:
                progress(total - remaining, total, "pages")

        src.backup(dst, pages=4096, progress=step)
    finally:
        dst.close()
        src.close()
    _finish_sqlite_file(target)


def _finish_sqlite_file(path: Path) -> None:
    """A self-contained file (no -wal beside it) that passes SQLite's integrity check."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=DELETE")
        result = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    if result != "ok":
        raise BackupError(f"the backup copy failed SQLite's integrity check ({result}); nothing was written")


def _pg_dump(url: URL, target: Path) -> None:
    cli_url, schema = _pg_cli_url(url)
    cmd = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}",
           *schema, cli_url]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")


# --- copying between databases ------------------------------------------------------------------

def copy_database(source: Engine, target: Engine, *, progress: Progress | None = None,
                  chunk: int = 2000) -> dict[str, int]:
    """Replace every model table's rows in ``target`` by ``source``'s, in one transaction each side.

    Both must be at the same schema revision (`make_engine` brings them to head). The source
    is read in one snapshot (repeatable read on PostgreSQL, a read transaction on SQLite).
    """
    tables = Base.metadata.sorted_tables
    counts: dict[str, int] = {}
    src_conn = source.connect()
    if not is_sqlite(source.url):
        src_conn = src_conn.execution_options(isolation_level="REPEATABLE READ")
    with src_conn, src_conn.begin(), target.begin() as dst:
        if is_sqlite(source.url):
            src_conn.exec_driver_sql("BEGIN")  # the driver would not open one for reads: one snapshot
        total = sum(src_conn.scalar(select(func.count()).select_from(t)) for t in tables) or 1
        done = 0
        for table in reversed(tables):
            dst.execute(delete(table))
        for table in tables:
            counts[table.name] = 0
            result = src_conn.execution_options(stream_results=True).execute(select(table))
            while rows := result.mappings().fetchmany(chunk):
                dst.execute(insert(table), [dict(r) for r in rows])
                counts[table.name] += len(rows)
                done += len(rows)
                if progress:
                    progress(done, total, table.name)
        if not is_sqlite(target.url):
            for table in tables:
                if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
                    dst.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                     f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"))
    return counts


# --- restore -----------------------------------------------------------------------------------

@dataclass
class RestoreResult:
    source: Path
    kind: str
    transcripts: int
    safety_copy: Path | None

    def line(self) -> str:
        saved = f"; the database as it was is saved in {self.safety_copy}" if self.safety_copy else ""
        return f"restored {self.source} ({self.kind}, {self.transcripts} transcripts){saved}"


def safety_copy_path(url: str, when: datetime | None = None) -> Path:
    stamp = (when or datetime.now()).strftime("%Y%m%d-%H%M%S")
    parsed = engine_url(url)
    if is_sqlite(parsed):
        db = _sqlite_path(parsed)
        return db.with_name(f"{db.stem}.before-restore-{stamp}.db")
    return Path(f"{parsed.database}.before-restore-{stamp}.{'dump' if _pg_tool('pg_dump') else 'db'}")


def restore(url: str, source: str | Path, *, who: str, safety_copy: Path | None = None,
            progress: Progress | None = None) -> RestoreResult:
    """Replace the database at ``url`` by the backup ``source`` (after saving ``safety_copy``)."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    kind = file_kind(source)
    parsed = engine_url(url)
    if kind == "pg_dump" and is_sqlite(parsed):
        raise BackupError(f"{source} is a pg_dump archive: restore it into PostgreSQL (--db postgresql://...), "
                          "or make a SQLite backup with `qualcode backup --format sqlite`")
    if kind == "sqlite":
        _check_sqlite_backup(source)
    else:
        _check_pg_dump(source)
    if safety_copy is not None:
        backup(url, safety_copy)
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "pg_dump":
            _pg_restore(parsed, source)
        elif is_sqlite(parsed):
            _sqlite_restore(source, _sqlite_path(parsed), Path(tmp))
        else:
            staged = Path(tmp) / "restore.db"
            shutil.copyfile(source, staged)
            src, dst = make_engine(f"sqlite:///{staged}"), make_engine(url)  # both upgraded to head
            try:
                copy_database(src, dst, progress=progress)
            finally:
                src.dispose()
                dst.dispose()
    engine = make_engine(url)  # upgrades a restored older schema
    try:
        with engine.begin() as conn:
            conn.execute(insert(AuditEntry), [{"who": who, "action": "restored", "entity": "project",
                                                "entity_id": None, "transcript_id": None, "before": None,
                                                "after": {"file": str(source), "kind": kind}}])
        return RestoreResult(source, kind, _count_transcripts(engine), safety_copy)
    finally:
        engine.dispose()


def _check_sqlite_backup(path: Path) -> None:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = con.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a readable SQLite database ({exc})") from exc
    finally:
        con.close()
    if result != "ok":
        raise BackupError(f"{path}: the backup fails SQLite's integrity check ({result}); nothing was restored")
    if "transcripts" not in tables:
        raise BackupError(f"{path}: a SQLite database, but not a qualcode project (no transcripts table)")


def _check_pg_dump(path: Path) -> None:
    tool = _pg_tool("pg_restore")
    if tool is None:
        raise BackupError("restoring a pg_dump archive needs pg_restore: apt-get install postgresql-client")
    listing = subprocess.run([tool, "--list", str(path)], capture_output=True, text=True)
    if listing.returncode != 0:
        raise BackupError(f"{path}: pg_restore cannot read it: {listing.stderr.strip()[:300]}")
    if not re.search(r"TABLE DATA \S+ transcripts ", listing.stdout):
        raise BackupError(f"{path}: a pg_dump archive, but not of a qualcode project (no transcripts table)")


def _sqlite_restore(source: Path, target: Path, tmp: Path) -> None:
    """Overwrite the live file through the backup API: one write transaction, other connections wait."""
    staged = tmp / "restore.db"
    shutil.copyfile(source, staged)
    make_engine(f"sqlite:///{staged}").dispose()  # bring an older backup to the current schema first
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(staged)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()


def _pg_restore(url: URL, source: Path) -> None:
    cli_url, _ = _pg_cli_url(url)
    cmd = [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
           "--single-transaction", "--exit-on-error", f"--dbname={cli_url}", str(source)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed, the database is unchanged: {done.stderr.strip()[:500]}")
