"""pipeline_steps: how each profile's score, aggregate, alerts and export steps last went in the daemon

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import listener.storage.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString()


def upgrade() -> None:
    op.create_table(
        "pipeline_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile", TEXT, nullable=False),
        sa.Column("step", TEXT, nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_ok_at", listener.storage.models.UTCDateTime(), nullable=True),
        sa.Column("last_failed_at", listener.storage.models.UTCDateTime(), nullable=True),
        sa.Column("last_error", TEXT, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile", "step"),
    )


def downgrade() -> None:
    op.drop_table("pipeline_steps")
