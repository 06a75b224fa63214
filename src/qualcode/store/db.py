"""Engines and sessions: SQLite file by default, PostgreSQL via a URL for a team server.

Every engine `make_engine` opens has its schema at the newest Alembic revision (`schema.py`).
SQLite runs in WAL mode with a busy timeout, so readers never block the writer and writers
queue instead of failing.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

DEFAULT_DB_URL = "sqlite:///outputs/qualcode.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000


class SchemaError(RuntimeError):
    """The database's schema cannot be brought to what this qualcode expects."""


class ConflictError(RuntimeError):
    """Another session changed or created the same row first; nothing of this change was saved."""


def resolve_url(url: str | None = None) -> str:
    """The database URL: an explicit one, else ``QUALCODE_DB``, else the project's SQLite file.

    A bare file path is accepted and read as a SQLite file.
    """
    url = url or os.environ.get("QUALCODE_DB") or DEFAULT_DB_URL
    if "://" not in url:
        url = f"sqlite:///{url}"
    return url


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def engine_url(url: str | URL) -> URL:
    """The URL SQLAlchemy gets: a bare ``postgresql://`` uses psycopg2 (our dependency; SQLAlchemy 2.1
    would pick psycopg 3)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed


def _in_memory(parsed: URL) -> bool:
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def ensure_wal(cursor) -> None:
    """Switch a SQLite file to WAL (it stays so). The switch needs the file to itself and does not
    wait for the busy timeout, so processes opening a new file at once retry until it is done."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    if dbapi_connection.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
        ensure_wal(cur)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str | None = None, *, create: bool = True) -> Engine:
    """Open the project database at ``url``; by default create it or upgrade its schema to head."""
    parsed = engine_url(resolve_url(url))
    kwargs: dict = {}
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if create:
        init_schema(engine)
    return engine


def init_schema(engine: Engine) -> str:
    """Create or upgrade the schema (see `schema.migrate`)."""
    from .schema import migrate

    return migrate(engine)


# --- sessions ---------------------------------------------------------------------------------

def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


_TABLE_IN_STALE = re.compile(r"on table '(\w+)'")


def _is_unique_violation(exc: IntegrityError) -> bool:
    orig = exc.orig
    return (getattr(orig, "pgcode", None) == "23505"
            or getattr(orig, "sqlite_errorname", "") == "SQLITE_CONSTRAINT_UNIQUE"
            or "UNIQUE constraint failed" in str(orig))


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work commits together or not at all.

    Two sessions that change the same row (optimistic concurrency on ``version`` columns), or
    create the same unique row at the same moment, raise `ConflictError` in the one that
    comes second; its whole transaction is rolled back.
    """
    try:
        with session_factory(engine)() as session:
            with session.begin():
                yield session
    except StaleDataError as exc:
        found = _TABLE_IN_STALE.search(str(exc))
        what = found.group(1).rstrip("s") if found else "row"
        raise ConflictError(f"someone else changed this {what} after you loaded it, so your change was not "
                            "saved; reload to see the current state and decide again") from exc
    except IntegrityError as exc:
        if not _is_unique_violation(exc):
            raise
        detail = str(exc.orig).strip().splitlines()[0]
        raise ConflictError("another session saved the same item at the same moment, so this change was not "
                            f"saved; reload and try again ({detail})") from exc

