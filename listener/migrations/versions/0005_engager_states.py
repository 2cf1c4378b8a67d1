"""engager_states: each person's ledger state, so an update folds new rows in instead of replaying history

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import listener.storage.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString()


def upgrade() -> None:
    op.create_table(
        "engager_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("platform", TEXT, nullable=False),
        sa.Column("author_external_id", TEXT, nullable=False),
        sa.Column("state", listener.storage.models.JSON_DOCUMENT, nullable=True),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id", "platform", "author_external_id"),
    )


def downgrade() -> None:
    op.drop_table("engager_states")
