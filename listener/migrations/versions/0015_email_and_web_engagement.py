"""e-mail campaign reports and website analytics days (aggregates beside social, no personal data)

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import listener.storage.models

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString()
MOMENT = listener.storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "email_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("source", TEXT, nullable=False),
        sa.Column("campaign_id", TEXT, nullable=False),
        sa.Column("sent_at", MOMENT, nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("unsubscribes", sa.Integer(), nullable=False),
        sa.Column("fetched_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id", "source", "campaign_id"),
    )
    op.create_index("ix_email_campaigns_sent", "email_campaigns", ["profile_id", "sent_at"], unique=False)
    op.create_table(
        "web_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("source", TEXT, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("visitors", sa.Integer(), nullable=True),
        sa.Column("pageviews", sa.Integer(), nullable=True),
        sa.Column("bounce_rate", sa.Float(), nullable=True),
        sa.Column("visit_duration_seconds", sa.Float(), nullable=True),
        sa.Column("conversions", sa.Integer(), nullable=True),
        sa.Column("fetched_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id", "source", "day"),
    )


def downgrade() -> None:
    op.drop_table("web_days")
    op.drop_index("ix_email_campaigns_sent", table_name="email_campaigns")
    op.drop_table("email_campaigns")
