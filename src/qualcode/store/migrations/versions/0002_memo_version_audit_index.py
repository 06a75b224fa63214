"""memo version, audit entity index, transcript ids never reused on SQLite

Revision ID: 0002_memo_version_audit_index
Revises: 0001_initial
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002_memo_version_audit_index'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # AUTOINCREMENT: a deleted transcript's id is not given to the next import, so the
        # audit trail's transcript ids stay unambiguous (PostgreSQL sequences never reuse).
        with op.batch_alter_table("transcripts", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}) as batch_op:
            pass
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_entity', ['entity', 'entity_id'], unique=False)

    with op.batch_alter_table('memos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('memos', schema=None) as batch_op:
        batch_op.drop_column('version')

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_entity')

