"""Alembic environment: runs qualcode's revisions on the connection `store.db.migrate` hands over.

Every revision of one upgrade runs in a single transaction (SQLite and PostgreSQL both have
transactional DDL), so a process killed in the middle of a migration leaves the schema as it
was and the next run starts again. SQLite cannot ALTER most things in place: revisions use
`op.batch_alter_table`, which copies the table inside the same transaction.
"""

from __future__ import annotations

from alembic import context

from qualcode.store.models import Base


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        transactional_ddl=True,
        compare_type=True,
    )


def run() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:  # called from qualcode.store.db: the transaction is already open
        _configure(connection)
        context.run_migrations()
        return
    # Plain `alembic -x db=URL ...`: open the database the way qualcode does.
    from qualcode.store.db import resolve_url
    from qualcode.store.schema import migration_connection

    url = context.get_x_argument(as_dictionary=True).get("db")
    with migration_connection(resolve_url(url)) as conn:
        _configure(conn)
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("qualcode migrations run online only: pass -x db=URL")
run()
