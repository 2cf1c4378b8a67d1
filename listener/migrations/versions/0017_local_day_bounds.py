"""local_day_bounds: each profile's local days as UTC spans, so SQL groups items by local day

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import listener.storage.models

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Filled by the next index update: the facts' version changed with it, so every profile is rebuilt once.
    op.create_table(
        "local_day_bounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", listener.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", listener.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id", "day"),
    )


def downgrade() -> None:
    op.drop_table("local_day_bounds")
