"""Concurrent coders never lose an update: separate processes decide on the same transcript at
once (SQLite in WAL mode and PostgreSQL); edits of the same row are refused with a clear
message when someone else changed it first (optimistic concurrency on ``version``)."""

from __future__ import annotations

import multiprocessing as mp
import random
import traceback

import pytest
from sqlalchemy import func, select

from qualcode.store import ConflictError, make_engine, transaction
from qualcode.store import codings as coding_store
from qualcode.store.models import ROLE_INTERVIEWER, AuditEntry, Coding, Memo, Segment
from qualcode.store.schema import current_revision, head_revision

DECISIONS = 500
WRITERS = 4
CODES = ["practical_support", "emotional_support", "social_support", "trust", "competition", "resilience"]


def _pairs(engine, n: int) -> list[tuple[int, str]]:
    with transaction(engine) as s:
        segs = list(s.scalars(select(Segment.id).where(Segment.role != ROLE_INTERVIEWER).order_by(Segment.index)))
    pairs = [(seg, code) for seg in segs for code in CODES]
    assert len(pairs) >= n, "the sample transcript has too few segments"
    return pairs[:n]


def _coder(url, coder, pairs, barrier, results):
    """One researcher's process: decide on every pair, each decision in its own transaction."""
    from qualcode.review import accept, reject

    try:
        engine = make_engine(url)
        barrier.wait(timeout=120)
        rng = random.Random(coder)
        order = list(enumerate(pairs))
        rng.shuffle(order)
        for i, (seg, code) in order:
            (accept if i % 2 else reject)(engine, seg, code, coder)
        engine.dispose()
        results.put((coder, "ok", len(pairs)))
    except Exception:
        results.put((coder, "error", traceback.format_exc()))


def _run(target, args_list, timeout=600):
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(len(args_list)), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, results)) for args in args_list]
    for p in procs:
        p.start()
    out = [results.get(timeout=timeout) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    errors = [o for o in out if o[1] == "error"]
    assert not errors, errors[0][2]
    return out


@pytest.mark.slow
def test_writers_in_parallel_lose_no_decision(backend_url, copy_tagged_project):
    engine = copy_tagged_project(backend_url)
    pairs = _pairs(engine, DECISIONS)
    coders = [f"coder{i}" for i in range(WRITERS)]
    _run(_coder, [(backend_url, c, pairs) for c in coders])
    with transaction(engine) as s:
        for coder in coders:
            rows = s.execute(select(Coding.segment_id, Coding.code, Coding.status, Coding.version)
                             .where(Coding.coder == coder)).all()
            assert len(rows) == DECISIONS, f"{coder}: {len(rows)} of {DECISIONS} decisions stored"
            assert {(r.segment_id, r.code) for r in rows} == set(pairs)  # each once (unique per row)
            want = {pair: "accepted" if i % 2 else "rejected" for i, pair in enumerate(pairs)}
            assert all(r.status == want[(r.segment_id, r.code)] and r.version == 1 for r in rows)
            logged = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.who == coder,
                                                                               AuditEntry.entity == "coding"))
            assert logged == DECISIONS
    engine.dispose()


ROUNDS = 12
ROWS = 5


def _editor(url, name, rows, barrier, results):
    """Each round: look at the rows (as a page would), wait for the other editor, then change them."""
    try:
        engine = make_engine(url)
        won, conflicts, messages = 0, 0, set()
        for _ in range(ROUNDS):
            seen = {}
            with transaction(engine) as s:
                for seg, code in rows:
                    c = coding_store.get(s, seg, code, "anna")
                    seen[(seg, code)] = (c.version, c.status)
            barrier.wait(timeout=120)
            for (seg, code), (version, status) in seen.items():
                flip = "rejected" if status == "accepted" else "accepted"
                try:
                    with transaction(engine) as s:
                        coding_store.decide(s, seg, code, "anna", flip, expected_version=version)
                    won += 1
                except ConflictError as exc:
                    conflicts += 1
                    messages.add(str(exc).split(" was changed")[0] if " was changed" in str(exc) else str(exc))
            barrier.wait(timeout=120)
        engine.dispose()
        results.put((name, "ok", (won, conflicts, sorted(messages))))
    except Exception:
        results.put((name, "error", traceback.format_exc()))


@pytest.mark.slow
def test_same_row_edits_one_wins_the_other_is_told(backend_url, copy_tagged_project):
    engine = copy_tagged_project(backend_url)
    rows = _pairs(engine, ROWS)
    with transaction(engine) as s:
        for seg, code in rows:
            coding_store.decide(s, seg, code, "anna", "accepted")
    out = _run(_editor, [(backend_url, "tab1", rows), (backend_url, "tab2", rows)])
    won = sum(o[2][0] for o in out)
    conflicts = sum(o[2][1] for o in out)
    # Both editors saw the same version each round: exactly one of the two edits of a row wins.
    assert won == ROUNDS * ROWS and conflicts == ROUNDS * ROWS
    with transaction(engine) as s:
        for seg, code in rows:
            c = coding_store.get(s, seg, code, "anna")
            assert c.version == 1 + ROUNDS
            assert c.status == ("accepted" if ROUNDS % 2 == 0 else "rejected")
            logged = s.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.entity == "coding", AuditEntry.entity_id == c.id))
            assert logged == 1 + ROUNDS  # no lost and no phantom update in the trail
    engine.dispose()


def test_stale_edit_in_flight_is_a_conflict_not_a_lost_update(backend_url, copy_tagged_project):
    """The version check in the UPDATE itself: two sessions hold the same row, the second write fails."""
    engine = copy_tagged_project(backend_url)
    (seg, code), = _pairs(engine, 1)
    with transaction(engine) as s:
        coding_store.decide(s, seg, code, "anna", "accepted")
    with pytest.raises(ConflictError, match="someone else changed this coding.*reload"):
        with transaction(engine) as first:
            mine = coding_store.get(first, seg, code, "anna")
            with transaction(engine) as second:
                coding_store.decide(second, seg, code, "anna", "rejected")
            mine.status = "accepted"
            mine.note = "my edit"
    with transaction(engine) as s:
        c = coding_store.get(s, seg, code, "anna")
        assert (c.status, c.version, c.note) == ("rejected", 2, None)
    with pytest.raises(ConflictError, match=r"anna's .* was changed by someone else .*you saw version 1"):
        with transaction(engine) as s:
            coding_store.remove(s, seg, code, "anna", expected_version=1)
    with pytest.raises(ConflictError, match="now removed"):
        with transaction(engine) as s:
            coding_store.remove(s, seg, code, "anna")
            coding_store.decide(s, seg, code, "anna", "accepted", expected_version=2)

    with transaction(engine) as s:
        memo = Memo(transcript_id=1, coder="anna", text="ensimmäinen")
        s.add(memo)
    with pytest.raises(ConflictError, match="someone else changed this memo"):
        with transaction(engine) as first:
            mine = first.get(Memo, memo.id)
            with transaction(engine) as second:
                second.get(Memo, memo.id).text = "toinen"
            mine.text = "kolmas"
    with transaction(engine) as s:
        assert s.get(Memo, memo.id).text == "toinen"
    engine.dispose()


def _opener(url, _name, barrier, results):
    try:
        barrier.wait(timeout=120)
        engine = make_engine(url)
        with transaction(engine) as s:
            s.scalar(select(func.count()).select_from(Coding))
        engine.dispose()
        results.put((_name, "ok", None))
    except Exception:
        results.put((_name, "error", traceback.format_exc()))


@pytest.mark.slow
def test_processes_opening_a_new_database_at_once_create_it_once(backend_url):
    _run(_opener, [(backend_url, f"p{i}") for i in range(4)])
    engine = make_engine(backend_url)
    with engine.connect() as conn:
        assert [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")] == [head_revision()]
    engine.dispose()


def test_the_same_new_decision_from_two_sessions_is_a_conflict(backend_url, copy_tagged_project):
    """Two sessions create the same coder's coding at once: the second gets a clear error, not a crash."""
    engine = copy_tagged_project(backend_url)
    (seg, code), = _pairs(engine, 1)
    with pytest.raises(ConflictError, match="another session saved the same item at the same moment"):
        with transaction(engine) as first:
            assert coding_store.get(first, seg, code, "anna") is None  # both see no coding yet ...
            with transaction(engine) as second:
                coding_store.decide(second, seg, code, "anna", "accepted")
            first.add(Coding(segment_id=seg, code=code, coder="anna", origin="manual", status="rejected"))
            first.flush()  # ... and both insert
    with transaction(engine) as s:
        c = coding_store.get(s, seg, code, "anna")
        assert (c.status, c.version) == ("accepted", 1)
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_opening_a_new_file_waits_for_another_process_instead_of_failing(tmp_path):
    """Switching a new file to WAL needs it to itself; another process holding it must not make
    `make_engine` fail with "database is locked" (seen with four processes opening one new file)."""
    import sqlite3
    import threading

    path = tmp_path / "new.db"
    reader = sqlite3.connect(path, check_same_thread=False)
    reader.execute("BEGIN IMMEDIATE")  # another process creating it: holds the write lock
    reader.execute("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)")
    release = threading.Timer(1.0, reader.rollback)
    release.start()
    engine = make_engine(f"sqlite:///{path}")
    release.join()
    reader.close()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert current_revision(engine) == head_revision()
    engine.dispose()
