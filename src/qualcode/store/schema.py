"""The schema's life: Alembic revisions in `migrations/`, run by `make_engine` on every open.

A new database gets the models' tables and is stamped at head (fast: tests open many). An
older one is upgraded by the revisions, all in one transaction that holds the schema lock
(SQLite ``BEGIN IMMEDIATE`` with transactional DDL, PostgreSQL an advisory lock): two
processes opening the same database at once, or a process killed half-way, never leave a
half-migrated schema. A database made before migrations existed is taken to be at the
baseline (the walking skeleton's schema) and upgraded from there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from .db import SQLITE_BUSY_TIMEOUT_MS, SchemaError, _in_memory, engine_url, ensure_wal
from .models import Base

MIGRATIONS = Path(__file__).with_name("migrations")
# The walking skeleton's schema: databases made by `create_all` before migrations existed.
BASELINE_REVISION = "0001_initial"
_PG_MIGRATION_LOCK = 0x71C0DE  # pg_advisory_xact_lock key: one migrator at a time


def alembic_config(directory: Path = MIGRATIONS):
    from alembic.config import Config

    cfg = Config(str(directory / "alembic.ini"))
    cfg.set_main_option("script_location", str(directory))
    return cfg


@lru_cache(maxsize=4)
def _script(directory: Path = MIGRATIONS):
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(directory))


def head_revision() -> str:
    """The newest revision; there must be exactly one (two heads mean two branches added revisions)."""
    heads = _script().get_heads()
    if len(heads) != 1:
        raise SchemaError(f"the migrations in {MIGRATIONS} have {len(heads)} heads ({', '.join(heads)}); "
                          "chain the new revisions (set down_revision) or run `alembic merge heads`")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def migration_connection(url: str | URL) -> Iterator[Connection]:
    """One connection inside one write transaction that excludes other migrators.

    SQLite: the driver's implicit transactions are switched off so DDL is transactional, the
    transaction starts with ``BEGIN IMMEDIATE`` (the write lock), and foreign keys are off
    while tables are copied (SQLite's documented procedure), then checked before commit.
    """
    parsed = engine_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    kwargs: dict = {"poolclass": NullPool}
    if sqlite:
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    eng = create_engine(parsed, **kwargs)
    if sqlite:
        def _connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            cur = dbapi_connection.cursor()
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            ensure_wal(cur)
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.close()

        event.listen(eng, "connect", _connect)
        event.listen(eng, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    try:
        with eng.begin() as conn:
            if parsed.get_backend_name() == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            yield conn
            if sqlite:
                bad = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if bad:
                    raise SchemaError(f"the migration left {len(bad)} rows whose foreign keys point nowhere "
                                      f"(first: {tuple(bad[0])}); nothing was changed")
    finally:
        eng.dispose()


def migrate(engine: Engine) -> str:
    """Bring the schema to the head revision; returns what was done.

    ``current``: nothing to do (one query, the common case). ``created``: an empty database got
    the models' tables and was stamped at head. ``upgraded``: revisions ran, all in one
    transaction. A database made before migrations existed is taken to be at the baseline.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.util import CommandError

    head = head_revision()
    if _in_memory(engine.url):
        Base.metadata.create_all(engine)
        return "created"
    if current_revision(engine) == head:
        return "current"
    with migration_connection(engine.url) as conn:
        ctx = MigrationContext.configure(conn)
        current = ctx.get_current_revision()
        if current == head:
            return "current"  # another process migrated while we waited for the lock
        if current is not None and not _known(current):
            raise SchemaError(f"the database is at schema revision {current}, which this qualcode does not know: "
                              "a newer qualcode upgraded it; update qualcode before using this database")
        tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
        if current is None and not tables:
            Base.metadata.create_all(conn)
            ctx.stamp(_script(), head)
            return "created"
        if current is None:
            if "transcripts" not in tables:
                raise SchemaError(f"{engine.url.render_as_string()} holds tables that are not a qualcode project "
                                  f"({', '.join(sorted(tables)[:5])}); use an empty database")
            ctx.stamp(_script(), BASELINE_REVISION)
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        try:
            command.upgrade(cfg, "head")
        except (CommandError, SQLAlchemyError) as exc:
            first = str(exc).strip().splitlines()[0]
            raise SchemaError(f"upgrading the schema from {current or BASELINE_REVISION} to {head} failed, so the "
                              f"database was left as it was: {first}") from exc
    return "upgraded"


def _known(revision: str) -> bool:
    from alembic.util import CommandError

    try:
        return _script().get_revision(revision) is not None
    except CommandError:
        return False


def upgrade_to(url: str | URL, revision: str = "head", directory: Path = MIGRATIONS) -> None:
    """Run the revisions up to ``revision`` (no create-and-stamp shortcut): how tests exercise
    the migration path itself."""
    from alembic import command

    with migration_connection(url) as conn:
        cfg = alembic_config(directory)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def differences(engine: Engine) -> list:
    """How the database's schema differs from the models (Alembic's compare_metadata); [] when equal."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)


def write_revision(message: str, rev_id: str | None = None, directory: Path = MIGRATIONS) -> Path:
    """Autogenerate a revision file: the models compared with a scratch database migrated to head.

    The result is a draft: read it, fix what autogenerate cannot know (renames, data moves),
    and test it (`tests/test_migrations.py` fails while models and head differ).
    """
    import tempfile

    from alembic import command

    if rev_id is None:
        numbers = [int(r.revision[:4]) for r in _script(directory).walk_revisions() if r.revision[:4].isdigit()]
        slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:27].rstrip("_")  # alembic_version holds 32
        rev_id = f"{max(numbers, default=0) + 1:04d}_{slug}"
    with tempfile.TemporaryDirectory() as tmp:
        with migration_connection(f"sqlite:///{tmp}/scratch.db") as conn:
            cfg = alembic_config(directory)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            from alembic.autogenerate import compare_metadata
            from alembic.runtime.migration import MigrationContext

            if not compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata):
                raise SchemaError("the models match the migrations' head: there is nothing for a new revision")
            script = command.revision(cfg, message, autogenerate=True, rev_id=rev_id)
    _script.cache_clear()
    return Path(script.path)
