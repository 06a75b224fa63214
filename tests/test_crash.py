"""Crash safety: processes killed with SIGKILL at random points during an import, a tag run and a
schema migration leave a consistent database, and the next run completes the work.

Kill times are drawn uniformly over a clean run's duration (seeded; the seed is in the
assertion messages). The killed processes are forked from the test process so they start
their work at once, with the Finnish pipeline already loaded.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from qualcode import importing
from qualcode.pretag import pretag
from qualcode.store import make_engine, transaction
from qualcode.store.integrity import check
from qualcode.store.models import Segment, Suggestion, Transcript
from qualcode.store.schema import BASELINE_REVISION, current_revision, differences, head_revision, upgrade_to

from .conftest import DOCX_CORPUS, TRANSCRIPTS

SEED = int(os.environ.get("QUALCODE_CRASH_SEED", "20261130"))
# Two large documents make the import's write transactions long enough to be hit (when available).
_CORPUS = DOCX_CORPUS
LARGE = [p for p in (_CORPUS / "poi_stress008_large_german.docx", _CORPUS / "poi_bug65649_large_russian.docx")
         if p.is_file()]


def _killed(target, args, after: float) -> bool:
    """Run ``target`` in a forked process and SIGKILL it after ``after`` seconds; True if it was killed."""
    proc = mp.get_context("fork").Process(target=target, args=args)
    proc.start()
    proc.join(after)
    if proc.is_alive():
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
    assert proc.exitcode in (0, -signal.SIGKILL), f"the run failed on its own (exit code {proc.exitcode})"
    return proc.exitcode == -signal.SIGKILL  # 0: it finished just before the kill


def _count(url, sql: str) -> int:
    con = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
    try:
        return con.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0
    finally:
        con.close()


def _killed_after(target, args, progress, reached: int, extra) -> bool:
    """Fork ``target``; once ``progress()`` reaches ``reached`` wait ``extra`` seconds more, then SIGKILL it.

    ``extra`` may be a function of the seconds it took to get there, so the kill point follows
    the run's own pace on a machine whose load changes from minute to minute.
    """
    proc = mp.get_context("fork").Process(target=target, args=args)
    started = time.perf_counter()
    proc.start()
    while proc.is_alive() and progress() < reached:
        time.sleep(0.02)
    proc.join(extra(time.perf_counter() - started) if callable(extra) else extra)
    if proc.is_alive():
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
    assert proc.exitcode in (0, -signal.SIGKILL), f"the run failed on its own (exit code {proc.exitcode})"
    return proc.exitcode == -signal.SIGKILL  # 0: it finished just before the kill


def _import(url, files):
    engine = make_engine(url)
    reports = importing.import_files(engine, files)
    assert all(r.ok for r in reports), [r.line() for r in reports if not r.ok]


def _tag(url, book, text, nlp):
    pretag(make_engine(url), book, text, nlp=nlp)


def _state(engine) -> dict:
    with transaction(engine) as s:
        names = sorted(s.execute(select(Transcript.name, Transcript.content_hash)).all())
        segments = sorted(s.execute(select(Transcript.name, Segment.index, Segment.start, Segment.end)
                                    .join(Segment, Segment.transcript_id == Transcript.id)).all())
        suggestions = sorted(s.execute(select(Transcript.name, Segment.index, Suggestion.code)
                                       .join(Segment, Segment.transcript_id == Transcript.id)
                                       .join(Suggestion, Suggestion.segment_id == Segment.id)).all())
    return {"transcripts": names, "segments": segments, "suggestions": suggestions}


def _assert_consistent(url, note):
    engine = make_engine(url)
    report = check(engine)
    assert report.ok, f"{note}: {report.summary()}"
    with transaction(engine) as s:
        hashes = s.scalars(select(Transcript.content_hash)).all()
    engine.dispose()
    assert len(hashes) == len(set(hashes)), f"{note}: a file is in the project twice"


@pytest.mark.slow
def test_killed_imports_then_a_rerun(tmp_path):
    files = sorted(TRANSCRIPTS.glob("*.docx")) + LARGE
    _import(f"sqlite:///{tmp_path / 'warm-up.db'}", files)  # time a warm run, as the forked ones are
    ref_url = f"sqlite:///{tmp_path / 'reference.db'}"
    started = time.perf_counter()
    _import(ref_url, files)
    duration = time.perf_counter() - started
    want = _state(make_engine(ref_url))
    assert len(want["transcripts"]) == len(files)

    rng = random.Random(SEED)
    kills = 0
    for i in range(4):  # each trial: an empty project, an import killed at a random moment, a re-run
        url = f"sqlite:///{tmp_path / f'crashed{i}.db'}"
        make_engine(url).dispose()
        at = rng.uniform(0.05, 0.95) * duration
        kills += _killed(_import, (url, files), at)
        _assert_consistent(url, f"after killing import run {i} at {at:.2f} s of {duration:.2f} (seed {SEED})")
        _import(url, files)  # the re-run: skips what is there, imports the rest
        _assert_consistent(url, f"after the re-run {i}")
        assert _state(make_engine(url)) == want
    assert kills >= 2, f"only {kills} of 4 runs were killed before finishing (seed {SEED})"


@pytest.mark.slow
def test_killed_tag_runs_then_a_rerun(tmp_path, nlp, codebook):
    files = [TRANSCRIPTS / f"{n}.docx" for n in ("ohs_group", "mgmt_intermediary")]
    book, text = codebook
    ref_url = f"sqlite:///{tmp_path / 'reference.db'}"
    _import(ref_url, files)
    from qualcode.tagging import Tagger

    Tagger(nlp, book).suggest_texts(["Mä luotan ihan täysin muihin keikkalaisiin."])  # lemmatiser loaded once
    started = time.perf_counter()
    _tag(ref_url, book, text, nlp)
    duration = time.perf_counter() - started
    want = _state(make_engine(ref_url))
    assert len(want["suggestions"]) > 50
    started = time.perf_counter()
    _tag(ref_url, book, text, nlp)  # nothing left to do: the fixed cost of a run
    overhead = time.perf_counter() - started
    per_transcript = (duration - overhead) / len(files)

    url = f"sqlite:///{tmp_path / 'crashed.db'}"
    _import(url, files)
    rng = random.Random(SEED)
    kills, partial = 0, False

    def segmented():
        return _count(url, "SELECT count(*) FROM transcripts WHERE segmented_at IS NOT NULL")

    # 1: somewhere in the first transcript's work; 2: once one transcript is committed, somewhere in
    # the next one (timed by how long this run took for the first); 3: anywhere in what is left.
    first = rng.uniform(0.1, 0.8)
    second = rng.uniform(0.05, 0.6)
    third = rng.uniform(0.1, 0.8)
    plan = [(0, lambda waited: overhead + first * per_transcript),
            (1, lambda waited: second * (waited - overhead if waited > overhead + 0.5 else per_transcript)),
            (0, lambda waited: overhead + third * per_transcript)]
    for i, (ahead, extra) in enumerate(plan):
        done = segmented()
        if done == len(files):
            break
        reached = min(done + ahead, len(files) - 1)
        kills += _killed_after(_tag, (url, book, text, nlp), segmented, reached, extra)
        _assert_consistent(url, f"after killing tag run {i} (seed {SEED})")
        partial |= 0 < len(_state(make_engine(url))["segments"]) < len(want["segments"])
    assert kills >= 2, f"only {kills} of 3 tag runs were killed before finishing (seed {SEED})"
    assert partial, "no kill landed between the first and the last transcript"
    _tag(url, book, text, nlp)
    _assert_consistent(url, "after the re-run")
    assert _state(make_engine(url)) == want


def _legacy_project(path, transcripts: int = 150, audit_rows: int = 150_000) -> str:
    """A database at the baseline revision with enough data that upgrading takes a moment."""
    url = f"sqlite:///{path}"
    upgrade_to(url, BASELINE_REVISION)
    rng = random.Random(SEED)
    words = ["luottamus", "vertaistuki", "keikkatyö", "jaksaminen", "kilpailu", "yhteisö", "apu", "mä", "ihan"]
    con = sqlite3.connect(path)
    con.executemany(
        "INSERT INTO transcripts (name, source_file, content_hash, text, metadata_text, word_count, imported_at) "
        "VALUES (?, ?, ?, ?, '', 0, '2026-01-01 10:00:00')",
        [(f"t{i}", f"t{i}.docx", f"{i:064d}", " ".join(rng.choice(words) for _ in range(15_000)))
         for i in range(transcripts)])
    con.executemany(
        "INSERT INTO audit_log (at, who, action, entity, entity_id, transcript_id) "
        "VALUES ('2026-01-01 10:00:00', 'anna', 'accepted', 'coding', ?, ?)",
        [(i, i % transcripts + 1) for i in range(audit_rows)])
    con.commit()
    con.close()
    return url


def _upgrade(url):
    make_engine(url)


def _digest(path) -> str:
    con = sqlite3.connect(path)
    digest = hashlib.sha256()
    for row in con.execute("SELECT id, name, text FROM transcripts ORDER BY id"):
        digest.update(repr(row).encode())
    digest.update(repr(con.execute("SELECT count(*), sum(entity_id) FROM audit_log").fetchone()).encode())
    con.close()
    return digest.hexdigest()


@pytest.mark.slow
def test_killed_migrations_then_a_rerun(tmp_path):
    """Each round: a copy of an old database, an upgrade killed at a random moment, then a re-run."""
    import shutil

    legacy = tmp_path / "legacy.db"
    _legacy_project(legacy)
    want = _digest(legacy)
    con = sqlite3.connect(legacy)
    schema_before = con.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    con.close()
    ref = tmp_path / "reference.db"
    shutil.copyfile(legacy, ref)
    started = time.perf_counter()
    _upgrade(f"sqlite:///{ref}")
    duration = time.perf_counter() - started
    assert _digest(ref) == want

    rng = random.Random(SEED)
    kills = 0
    for i in range(4):
        path = tmp_path / f"crashed{i}.db"
        shutil.copyfile(legacy, path)
        url = f"sqlite:///{path}"
        at = rng.uniform(0.05, 0.9) * duration
        kills += _killed(_upgrade, (url,), at)
        con = sqlite3.connect(path)
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        schema = con.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
        con.close()
        note = f"killed migration {i} at {at:.2f} s of {duration:.2f} (seed {SEED})"
        if revision == BASELINE_REVISION:
            assert schema == schema_before, f"{note}: half-migrated schema"
        else:
            assert revision == head_revision(), note
        assert _digest(path) == want, f"{note}: data changed"
        engine = make_engine(url)  # the re-run completes the upgrade
        assert current_revision(engine) == head_revision() and differences(engine) == [], note
        assert check(engine).ok, note
        engine.dispose()
        assert _digest(path) == want, f"{note}: data changed by the re-run"
    assert kills >= 2, f"only {kills} of 4 migrations were killed before finishing (seed {SEED})"
