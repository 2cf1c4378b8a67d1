"""sync_runs: records skipped by a rule, parts not read, per-stream counts; quarantine: retried and resolved times

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import listener.storage.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("skipped", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("unexpanded", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("streams", listener.storage.models.JSON_DOCUMENT, nullable=True))
    with op.batch_alter_table("quarantine") as batch:
        batch.add_column(sa.Column("retried_at", listener.storage.models.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("resolved_at", listener.storage.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quarantine") as batch:
        batch.drop_column("resolved_at")
        batch.drop_column("retried_at")
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("streams")
        batch.drop_column("unexpanded")
        batch.drop_column("skipped")
