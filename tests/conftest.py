"""Shared fixtures: real SQLite files, the real Finnish pipeline, the real sample DOCX files."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRANSCRIPTS = ROOT / "transcripts"
CODEBOOK = ROOT / "codebooks" / "peer_support.yaml"
EVAL = ROOT / "eval"  # the gold sets (eval/README.md)
SHARED = ROOT.parent / "shared"
# Real-world DOCX files from other projects (Apache POI, python-docx, mammoth), copied from
# ../shared/docx-corpus so a clean clone has them (licences in its README).
DOCX_CORPUS = ROOT / "tests" / "data" / "docx-corpus"


@pytest.fixture(autouse=True)
def _keep_main_module():
    """Streamlit's AppTest installs its script as ``__main__`` and leaves it there; a later test that
    starts a process with multiprocessing's "spawn" would then re-run that script and fail."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def nlp():
    from qualcode.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def codebook():
    from qualcode.codebook import load_codebook

    return load_codebook(CODEBOOK)


# PostgreSQL: QUALCODE_TEST_PG=postgresql://user@host:port/db turns on the tests marked `postgres`
# (each gets a fresh schema in that database); QUALCODE_TEST_BACKEND=postgres also runs every
# test that uses `db_url`/`engine` on PostgreSQL. `.ci/pg-server start` prints such a URL.
PG_URL = os.environ.get("QUALCODE_TEST_PG", "").strip()
TEST_BACKEND = os.environ.get("QUALCODE_TEST_BACKEND", "sqlite").strip() or "sqlite"


def _pg_admin():
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from qualcode.store.db import engine_url

    return create_engine(engine_url(PG_URL), poolclass=NullPool, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_server():
    if not PG_URL:
        pytest.skip("PostgreSQL tests need QUALCODE_TEST_PG=postgresql://... (README: testing against PostgreSQL)")
    return PG_URL


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty schema on the test server for one test (dropped afterwards, connections closed)."""
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    url = make_url(pg_server).update_query_dict({"options": f"-csearch_path={name}", "application_name": name})
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             f"WHERE application_name = '{name}' AND pid <> pg_backend_pid()")
        conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
    admin.dispose()


@pytest.fixture
def pg_database(pg_server):
    """A fresh database on the test server (for tools such as pg_dump that work per database)."""
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_url(request, tmp_path):
    """The same test on a SQLite file and on PostgreSQL (skipped without QUALCODE_TEST_PG)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'project.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def db_url(request, tmp_path):
    if TEST_BACKEND == "postgres":
        return request.getfixturevalue("pg_url")
    return f"sqlite:///{tmp_path / 'project.db'}"


@pytest.fixture
def engine(db_url):
    from qualcode.store import make_engine

    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sample_docx():
    files = sorted(TRANSCRIPTS.glob("*.docx"))
    assert len(files) >= 6, "sample transcripts missing: run python transcripts/build_docx.py"
    return files


@pytest.fixture(scope="session")
def tagged_project(tmp_path_factory, nlp, codebook):
    """A SQLite project with one sample interview imported and pre-tagged, built once per session.

    Tests get their own copy with `copy_tagged_project(url)` (any backend).
    """
    from qualcode import importing
    from qualcode.pretag import pretag
    from qualcode.store import make_engine

    path = tmp_path_factory.mktemp("tagged") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    assert importing.import_file(engine, TRANSCRIPTS / "ohs_group.docx").ok
    book, text = codebook
    pretag(engine, book, text, nlp=nlp)
    engine.dispose()
    return path


@pytest.fixture
def copy_tagged_project(tagged_project):
    def copy(url: str):
        from qualcode.store import make_engine
        from qualcode.store.backup import copy_database

        source, target = make_engine(f"sqlite:///{tagged_project}"), make_engine(url)
        copy_database(source, target)
        source.dispose()
        return target

    return copy
