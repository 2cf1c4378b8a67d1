"""dashboard: users, sessions, inbox states, sentiment corrections, alert reviews, audit trail

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import listener.storage.models

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString()
WHEN = listener.storage.models.UTCDateTime(timezone=True)
JSON = listener.storage.models.JSON_DOCUMENT


def upgrade() -> None:
    op.create_table(
        "dashboard_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", TEXT, nullable=False),
        sa.Column("role", TEXT, nullable=False),
        sa.Column("password_hash", TEXT, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "dashboard_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", TEXT, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", TEXT, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["dashboard_users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_dashboard_sessions_user_id", "dashboard_sessions", ["user_id"])
    op.create_table(
        "inbox_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("platform", TEXT, nullable=False),
        sa.Column("external_id", TEXT, nullable=False),
        sa.Column("handled_at", WHEN, nullable=True),
        sa.Column("handled_by", TEXT, nullable=True),
        sa.Column("assignee", TEXT, nullable=True),
        sa.Column("tags", JSON, nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id", "platform", "external_id"),
    )
    op.create_table(
        "inbox_sentiment_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", TEXT, nullable=False),
        sa.Column("external_id", TEXT, nullable=False),
        sa.Column("label", TEXT, nullable=False),
        sa.Column("corrected_by", TEXT, nullable=False),
        sa.Column("corrected_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "external_id"),
    )
    op.create_table(
        "alert_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", WHEN, nullable=True),
        sa.Column("acknowledged_by", TEXT, nullable=True),
        sa.Column("resolved_at", WHEN, nullable=True),
        sa.Column("resolved_by", TEXT, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id"),
    )
    op.create_table(
        "dashboard_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("actor", TEXT, nullable=False),
        sa.Column("action", TEXT, nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("detail", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dashboard_audit_at", "dashboard_audit", ["at"])
    op.create_index("ix_responses_created", "responses", ["profile_id", "created_at"])
    op.create_index("ix_items_author_created", "items", ["platform", "author_external_id", "created_at"])
    op.create_index("ix_item_profiles_source", "item_profiles", ["source"])
    op.create_index("ix_engagers_interactions", "engagers", ["profile_id", "interactions"])
    op.create_index("ix_engagement_events_actor_seen", "engagement_events",
                    ["platform", "actor_external_id", "first_seen_at"])


def downgrade() -> None:
    op.drop_index("ix_engagement_events_actor_seen", table_name="engagement_events")
    op.drop_index("ix_engagers_interactions", table_name="engagers")
    op.drop_index("ix_item_profiles_source", table_name="item_profiles")
    op.drop_index("ix_items_author_created", table_name="items")
    op.drop_index("ix_responses_created", table_name="responses")
    for table in ("dashboard_audit", "alert_reviews", "inbox_sentiment_corrections", "inbox_states",
                  "dashboard_sessions", "dashboard_users"):
        op.drop_table(table)
