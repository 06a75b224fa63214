"""Triggers that mark a transcript stale in ``code_sets_stale`` when its codings, segments or turns change.

They run in the database, in the same transaction as the change, so every write path is
covered: the app, the CLI, imports, codebook migrations, bulk ``UPDATE`` statements and
cascades. `store.set_counts` recounts the marked transcripts. SQLite gets one trigger per
table and event; PostgreSQL one PL/pgSQL function shared by a trigger per table.

SQLite drops a table's triggers when Alembic's ``batch_alter_table`` rebuilds the table: a
migration that does that to codings, segments or turns must call `create_triggers` again.
"""

from __future__ import annotations

from sqlalchemy import Connection, event

from .models import Base

_WATCHED = (  # table, the changes that matter, how a row names its transcript (via its segment, or directly)
    ("codings", "INSERT OR UPDATE OF segment_id, code, coder, status OR DELETE", "segment"),
    ("segments", "INSERT OR UPDATE OF transcript_id, turn_id, role, word_count OR DELETE", "transcript"),
    ("turns", "UPDATE OF transcript_id, participant_id, role", "transcript"),
)


def _sqlite_triggers() -> list[str]:
    out = []
    for table, events, via in _WATCHED:
        for ev in events.split(" OR "):
            images = {"INSERT": ["NEW"], "DELETE": ["OLD"]}.get(ev.split()[0], ["OLD", "NEW"])
            name = f"{table}_{ev.split()[0].lower()}_stale_code_sets"
            body = []
            for img in images:
                if via == "segment":
                    body.append("INSERT OR IGNORE INTO code_sets_stale (transcript_id) "
                                f"SELECT transcript_id FROM segments WHERE id = {img}.segment_id;")
                else:
                    body.append(f"INSERT OR IGNORE INTO code_sets_stale (transcript_id) VALUES ({img}.transcript_id);")
            out.append(f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {ev} ON {table} "
                       f"FOR EACH ROW BEGIN {' '.join(body)} END")
    return out


_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION qualcode_stale_code_sets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'codings' THEN
    IF TG_OP <> 'INSERT' THEN
      INSERT INTO code_sets_stale (transcript_id) SELECT transcript_id FROM segments WHERE id = OLD.segment_id
        ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'DELETE' THEN
      INSERT INTO code_sets_stale (transcript_id) SELECT transcript_id FROM segments WHERE id = NEW.segment_id
        ON CONFLICT DO NOTHING;
    END IF;
  ELSE
    IF TG_OP <> 'INSERT' THEN
      INSERT INTO code_sets_stale (transcript_id) VALUES (OLD.transcript_id) ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'DELETE' THEN
      INSERT INTO code_sets_stale (transcript_id) VALUES (NEW.transcript_id) ON CONFLICT DO NOTHING;
    END IF;
  END IF;
  RETURN NULL;
END $$
"""


def _postgres_triggers() -> list[str]:
    out = [_PG_FUNCTION]
    for table, events, _via in _WATCHED:
        name = f"{table}_stale_code_sets"
        out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        out.append(f"CREATE TRIGGER {name} AFTER {events} ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION qualcode_stale_code_sets()")
    return out


def create_triggers(conn: Connection) -> None:
    """Install the triggers that mark stale transcripts (idempotent). Migration 0004 and new
    databases (`create_all`, through the metadata event below) both call this."""
    statements = _postgres_triggers() if conn.dialect.name == "postgresql" else _sqlite_triggers()
    for sql in statements:
        conn.exec_driver_sql(sql)


def trigger_names(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"{table}_stale_code_sets" for table, _e, _v in _WATCHED]
    return [sql.split()[5] for sql in _sqlite_triggers()]


def installed(conn: Connection) -> set[str]:
    """The names of the triggers the database has (any, not only these)."""
    if conn.dialect.name == "postgresql":
        return set(conn.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").scalars())
    return set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())


def drop_triggers(conn: Connection) -> None:
    """Remove what `create_triggers` installed (migration 0004's downgrade)."""
    if conn.dialect.name == "postgresql":
        for table, _e, _v in _WATCHED:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_stale_code_sets ON {table}")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS qualcode_stale_code_sets()")
    else:
        for name in trigger_names("sqlite"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


@event.listens_for(Base.metadata, "after_create")
def _after_create(_metadata, connection, **_kw) -> None:
    create_triggers(connection)
