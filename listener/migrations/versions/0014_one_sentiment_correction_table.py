"""dashboard: inbox sentiment corrections live in sentiment_corrections, the one table every reader uses

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import listener.storage.models

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString()


def upgrade() -> None:
    # A correction made in the inbox before both were written is kept: copied unless the item has one.
    op.execute(
        "INSERT INTO sentiment_corrections (platform, external_id, label, corrected_by, corrected_at) "
        "SELECT i.platform, i.external_id, i.label, i.corrected_by, i.corrected_at "
        "FROM inbox_sentiment_corrections i WHERE NOT EXISTS (SELECT 1 FROM sentiment_corrections s "
        "WHERE s.platform = i.platform AND s.external_id = i.external_id)"
    )
    op.drop_table("inbox_sentiment_corrections")


def downgrade() -> None:
    op.create_table(
        "inbox_sentiment_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", TEXT, nullable=False),
        sa.Column("external_id", TEXT, nullable=False),
        sa.Column("label", TEXT, nullable=False),
        sa.Column("corrected_by", TEXT, nullable=False),
        sa.Column("corrected_at", listener.storage.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "external_id"),
    )
    op.execute(
        "INSERT INTO inbox_sentiment_corrections (platform, external_id, label, corrected_by, corrected_at) "
        "SELECT platform, external_id, label, corrected_by, corrected_at FROM sentiment_corrections"
    )
