"""sentiment: the backend and scorer on each score, corrections and per-profile calibrations

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import listener.storage.models

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString()


def upgrade() -> None:
    with op.batch_alter_table("sentiment_scores") as batch:
        batch.add_column(sa.Column("backend", TEXT, nullable=True))
        batch.add_column(sa.Column("scorer", TEXT, nullable=True))
    op.create_table(
        "sentiment_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", TEXT, nullable=False),
        sa.Column("external_id", TEXT, nullable=False),
        sa.Column("label", TEXT, nullable=False),
        sa.Column("scored_compound", sa.Float(), nullable=True),
        sa.Column("scored_backend", TEXT, nullable=True),
        sa.Column("corrected_by", TEXT, nullable=False),
        sa.Column("corrected_at", listener.storage.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "external_id"),
    )
    op.create_table(
        "sentiment_calibrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("terms", listener.storage.models.JSON_DOCUMENT, nullable=True),
        sa.Column("trained_on", sa.Integer(), nullable=False),
        sa.Column("applied_at", listener.storage.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id"),
    )


def downgrade() -> None:
    op.drop_table("sentiment_calibrations")
    op.drop_table("sentiment_corrections")
    with op.batch_alter_table("sentiment_scores") as batch:
        batch.drop_column("scorer")
        batch.drop_column("backend")
