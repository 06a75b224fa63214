"""Alembic migrations: the revisions build exactly the models' schema, on SQLite and PostgreSQL;
old databases are upgraded keeping their data; a failed upgrade changes nothing.

If `test_models_match_migration_head` fails, a model changed without a revision:
`qualcode db revision -m "what changed"` writes one (DEVELOPERS.md, "Changing the schema").
"""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text

from qualcode.cli import main

from qualcode.store import SchemaError, make_engine, transaction
from qualcode.store.schema import (
    BASELINE_REVISION,
    _script,
    current_revision,
    differences,
    head_revision,
    migrate,
    upgrade_to,
)
from qualcode.store.models import Memo, Transcript


def test_one_head_and_the_chain_starts_at_the_baseline():
    revisions = list(_script().walk_revisions())
    assert revisions[-1].revision == BASELINE_REVISION and revisions[-1].down_revision is None
    assert head_revision() == revisions[0].revision
    assert all(len(r.revision) <= 32 for r in revisions), "alembic_version.version_num is VARCHAR(32)"


def test_models_match_migration_head(backend_url):
    """The revisions alone (no create_all) build the models' schema: nothing for autogenerate to add."""
    upgrade_to(backend_url)
    engine = make_engine(backend_url)
    try:
        assert current_revision(engine) == head_revision()
        diff = differences(engine)
        assert diff == [], f"models and migrations differ, add a revision (DEVELOPERS.md): {diff}"
    finally:
        engine.dispose()


def test_fresh_database_is_created_and_stamped_then_left_alone(backend_url):
    engine = make_engine(backend_url, create=False)
    assert migrate(engine) == "created"
    assert current_revision(engine) == head_revision()
    assert differences(engine) == []
    assert migrate(engine) == "current"
    engine.dispose()


def _legacy_skeleton_db(path) -> None:
    """A database as the walking skeleton's `create_all` made it: schema 0001, no alembic_version."""
    url = f"sqlite:///{path}"
    upgrade_to(url, BASELINE_REVISION)
    con = sqlite3.connect(path)
    con.execute("DROP TABLE alembic_version")
    con.execute("INSERT INTO transcripts (id, name, source_file, content_hash, text, metadata_text, word_count, "
                "imported_at) VALUES (1, 'haastattelu', 'h.docx', 'abc', 'H: Mitä kuuluu? V: Hyvää.', '', 4, "
                "'2026-01-01 10:00:00')")
    con.execute("INSERT INTO transcripts (id, name, source_file, content_hash, text, metadata_text, word_count, "
                "imported_at) VALUES (2, 'toinen', 't.docx', 'def', 'V: Joo.', '', 2, '2026-01-01 10:00:00')")
    con.execute("INSERT INTO memos (transcript_id, coder, text, origin, created_at, updated_at) "
                "VALUES (1, 'anna', 'luottamus näkyy', 'manual', '2026-01-01', '2026-01-01')")
    con.commit()
    con.close()


def test_database_from_before_migrations_is_upgraded_with_its_data(tmp_path):
    path = tmp_path / "old.db"
    _legacy_skeleton_db(path)
    engine = make_engine(f"sqlite:///{path}", create=False)
    assert migrate(engine) == "upgraded"
    assert current_revision(engine) == head_revision() and differences(engine) == []
    with transaction(engine) as s:
        memo = s.query(Memo).one()
        assert (memo.text, memo.version) == ("luottamus näkyy", 1)
        s.delete(s.get(Transcript, 2))
    with transaction(engine) as s:  # AUTOINCREMENT since 0002: the deleted id is not handed out again
        s.add(Transcript(name="uusi", source_file="u.docx", content_hash="x", text="V: Hei.", metadata_text=""))
    with transaction(engine) as s:
        assert s.query(Transcript).filter_by(name="uusi").one().id == 3
    engine.dispose()


def test_failed_upgrade_leaves_the_database_as_it_was(tmp_path):
    """A revision that fails half-way (after it already rebuilt a table) is rolled back whole."""
    path = tmp_path / "old.db"
    _legacy_skeleton_db(path)
    con = sqlite3.connect(path)
    # 0002 rebuilds `transcripts`, then creates index ix_audit_log_entity: make that second step fail.
    con.execute("CREATE INDEX ix_audit_log_entity ON memos (coder)")
    con.commit()
    schema_before = con.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    con.close()
    engine = make_engine(f"sqlite:///{path}", create=False)
    with pytest.raises(SchemaError, match="left as it was"):
        migrate(engine)
    engine.dispose()
    con = sqlite3.connect(path)
    assert con.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall() == schema_before
    assert con.execute("SELECT count(*) FROM transcripts").fetchone() == (2,)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()


def test_database_from_a_newer_qualcode_is_refused(backend_url):
    engine = make_engine(backend_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(SchemaError, match="newer qualcode"):
        make_engine(backend_url)
    r = CliRunner().invoke(main, ["--db", backend_url, "transcripts"])
    assert r.exit_code == 1 and "update qualcode before using this database" in r.output
    engine.dispose()


def test_foreign_tables_are_not_mistaken_for_a_project(tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    con.commit()
    con.close()
    with pytest.raises(SchemaError, match="not a qualcode project"):
        make_engine(f"sqlite:///{path}")


def test_postgres_schema_has_the_models_tables(backend_url):
    engine = make_engine(backend_url)
    names = set(inspect(engine).get_table_names())
    assert {"transcripts", "segments", "codings", "audit_log", "memos", "alembic_version"} <= names
    engine.dispose()


def test_a_new_revision_is_written_from_the_models_and_runs(tmp_path):
    """The documented workflow (DEVELOPERS.md): change a model, `qualcode db revision`, upgrade."""
    import shutil

    from sqlalchemy import Column, Integer, String, Table

    from qualcode.store.models import Base
    from qualcode.store.schema import MIGRATIONS, write_revision

    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, directory, ignore=shutil.ignore_patterns("__pycache__"))
    with pytest.raises(SchemaError, match="nothing for a new revision"):
        write_revision("no change", directory=directory)
    table = Table("scratch_tags", Base.metadata, Column("id", Integer, primary_key=True),
                  Column("label", String(50), nullable=False))
    try:
        path = write_revision("scratch tags", directory=directory)
    finally:
        Base.metadata.remove(table)
    number = int(head_revision()[:4]) + 1
    assert path.name == f"{number:04d}_scratch_tags.py"
    source = path.read_text(encoding="utf-8")
    assert f"down_revision = '{head_revision()}'" in source and "op.create_table('scratch_tags'" in source
    url = f"sqlite:///{tmp_path / 'p.db'}"
    upgrade_to(url, directory=directory)
    engine = make_engine(url, create=False)
    assert "scratch_tags" in inspect(engine).get_table_names()
    assert current_revision(engine) == path.stem
    engine.dispose()
