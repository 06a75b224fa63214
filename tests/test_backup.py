"""Backups are consistent while coders keep writing; restores bring them back (also across
SQLite and PostgreSQL), save the current database first, and refuse files that are not backups."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from qualcode.cli import main
from qualcode.store import make_engine, transaction
from qualcode.store.backup import BackupError, backup, restore
from qualcode.store.integrity import check
from qualcode.store.models import ROLE_INTERVIEWER, AuditEntry, Coding, Segment
from qualcode.store.schema import BASELINE_REVISION, current_revision, head_revision, upgrade_to


def _counts(engine) -> tuple[int, int]:
    with transaction(engine) as s:
        return (s.scalar(select(func.count()).select_from(Coding)),
                s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "coding")))


def _segments(engine) -> list[int]:
    with transaction(engine) as s:
        return list(s.scalars(select(Segment.id).where(Segment.role != ROLE_INTERVIEWER).order_by(Segment.index)))


def _keep_coding(url, stop, started):
    """A coder who keeps accepting codes until told to stop (each decision: a coding and its audit row)."""
    from qualcode.review import accept

    engine = make_engine(url)
    segs = _segments(engine)
    started.set()
    i = 0
    while not stop.is_set() and i < 5000:
        accept(engine, segs[i % len(segs)], ["trust", "resilience", "competition"][i // len(segs) % 3], "writer")
        i += 1
    engine.dispose()


@pytest.mark.slow
def test_sqlite_backup_while_writing_is_consistent_and_restores(tmp_path, copy_tagged_project):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = copy_tagged_project(url)
    ctx = mp.get_context("spawn")
    stop, started = ctx.Event(), ctx.Event()
    writer = ctx.Process(target=_keep_coding, args=(url, stop, started))
    writer.start()
    try:
        assert started.wait(120)
        while _counts(engine)[0] < 20:
            time.sleep(0.2)
        result = backup(url, tmp_path / "backups" / "snapshot.db")
        assert _counts(engine)[0] > 0
    finally:
        stop.set()
        writer.join(60)
    assert result.kind == "sqlite" and result.transcripts == 1
    assert not (tmp_path / "backups" / "snapshot.db-wal").exists()
    snapshot = make_engine(f"sqlite:///{result.path}")
    codings, logged = _counts(snapshot)
    assert codings == logged > 0  # each decision is wholly in the snapshot or wholly not
    assert check(snapshot).ok
    snapshot.dispose()

    live_before = _counts(engine)
    assert live_before[0] > codings  # the writer went on after the snapshot
    safety = tmp_path / "live.before-restore.db"
    restored = restore(url, result.path, who="lead", safety_copy=safety)
    assert restored.transcripts == 1
    assert _counts(engine) == (codings, logged)
    with transaction(engine) as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (last.who, last.action, last.after["file"]) == ("lead", "restored", str(result.path))
    assert check(engine).ok
    kept = make_engine(f"sqlite:///{safety}")
    assert _counts(kept) == live_before  # the database as it was before the restore
    kept.dispose()
    engine.dispose()


def test_restore_refuses_what_is_not_a_backup(tmp_path, db_url):
    engine = make_engine(db_url)
    junk = tmp_path / "notes.db"
    junk.write_text("not a database", encoding="utf-8")
    with pytest.raises(BackupError, match="neither a SQLite database nor a pg_dump archive"):
        restore(db_url, junk, who="lead")
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    con.commit()
    con.close()
    with pytest.raises(BackupError, match="not a qualcode project"):
        restore(db_url, other, who="lead")
    fake_dump = tmp_path / "x.dump"
    fake_dump.write_bytes(b"PGDMP\x01\x0e\x00garbage")
    if db_url.startswith("sqlite"):
        with pytest.raises(BackupError, match="restore it into PostgreSQL"):
            restore(db_url, fake_dump, who="lead")
    r = CliRunner().invoke(main, ["--db", db_url, "restore", str(junk), "--yes"])
    assert r.exit_code == 1 and "neither a SQLite database" in r.output
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_an_older_backup_is_upgraded_on_restore(tmp_path):
    old = tmp_path / "old_backup.db"
    upgrade_to(f"sqlite:///{old}", BASELINE_REVISION)
    url = f"sqlite:///{tmp_path / 'live.db'}"
    r = CliRunner().invoke(main, ["--db", url, "restore", str(old), "--yes", "--no-safety-copy"])
    assert r.exit_code == 0, r.output
    assert "restored" in r.output
    engine = make_engine(url, create=False)
    assert current_revision(engine) == head_revision() and check(engine).ok
    engine.dispose()
    assert current_revision(make_engine(f"sqlite:///{old}", create=False)) == BASELINE_REVISION  # file untouched


def _decide(engine, n, coder):
    from qualcode.review import accept

    for seg in _segments(engine)[:n]:
        accept(engine, seg, "trust", coder)


@pytest.mark.postgres
def test_pg_dump_backup_and_restore(tmp_path, pg_database, copy_tagged_project):
    engine = copy_tagged_project(pg_database)
    _decide(engine, 7, "anna")
    r = CliRunner().invoke(main, ["--db", pg_database, "backup", "-o", str(tmp_path / "team.dump")])
    assert r.exit_code == 0, r.output
    assert "pg_dump" in r.output
    _decide(engine, 12, "ben")  # work after the backup ...
    r = CliRunner().invoke(main, ["--db", pg_database, "restore", str(tmp_path / "team.dump"), "--yes",
                                  "--no-safety-copy"])
    assert r.exit_code == 0, r.output
    assert _counts(engine) == (7, 7)  # ... is gone; the backup's state is back
    assert check(engine).ok
    _decide(engine, 3, "cecilia")  # ids continue after the restored rows
    assert _counts(engine) == (10, 10)
    engine.dispose()


@pytest.mark.postgres
def test_sqlite_file_backup_of_postgres_and_restore_across_backends(tmp_path, pg_url, copy_tagged_project):
    engine = copy_tagged_project(pg_url)
    _decide(engine, 9, "anna")
    result = backup(pg_url, tmp_path / "portable.db", kind="sqlite")
    assert result.kind == "sqlite"
    local = f"sqlite:///{tmp_path / 'laptop.db'}"
    restore(local, result.path, who="anna")  # a copy of the team server on a laptop ...
    laptop = make_engine(local)
    assert _counts(laptop) == (9, 9) and check(laptop).ok
    _decide(laptop, 15, "ben")
    laptop.dispose()
    moved = backup(local, tmp_path / "laptop_backup.db")
    restore(pg_url, moved.path, who="lead", safety_copy=tmp_path / "server_before.db")  # ... and back
    assert _counts(engine) == (24, 24) and check(engine).ok
    _decide(engine, 20, "cecilia")  # sequences continue after the copied ids
    assert _counts(engine) == (44, 44)
    engine.dispose()
