"""daemon tables: per-source schedule and quota, and the daemon's own state

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import listener.storage.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC = listener.storage.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "daemon_source_health",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("next_run_at", UTC(timezone=True), nullable=True),
        sa.Column("quota_credential", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("quota_remaining", sa.Float(), nullable=True),
        sa.Column("quota_limit", sa.Float(), nullable=True),
        sa.Column("quota_reset_at", UTC(timezone=True), nullable=True),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source"),
    )
    op.create_table(
        "daemon_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("hostname", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("started_at", UTC(timezone=True), nullable=False),
        sa.Column("heartbeat_at", UTC(timezone=True), nullable=False),
        sa.Column("stopped_at", UTC(timezone=True), nullable=True),
        sa.Column("health_url", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("daemon_state")
    op.drop_table("daemon_source_health")
