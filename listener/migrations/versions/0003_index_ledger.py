"""index and ledger tables: day facts, engagement per item and day, responses, engagers, return spans

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import listener.storage.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_TIME = listener.storage.models.UTCDateTime(timezone=True)
JSON = listener.storage.models.JSON_DOCUMENT
TEXT = sqlmodel.sql.sqltypes.AutoString()
INT_COUNTS = ("inbound", "owned", "positive", "negative", "neutral", "scored", "positive_mentions",
              "posts", "posts_48h", "promoters", "passives", "detractors", "answered_in_time",
              "answered_late", "unanswered", "engagers", "returning_engagers", "new_engagers",
              "helped_delta", "returned_delta")
FLOAT_SUMS = ("compound_sum", "likes", "shares", "replies", "quotes", "stars_sum")
ENGAGER_COUNTS = ("active_days", "interactions", "items", "likes", "shares", "mentions",
                  "replies_received", "positive", "negative", "neutral")


def _key(name: str = "profile_id") -> list[sa.Column]:
    return [sa.Column("id", sa.Integer(), nullable=False),
            sa.Column(name, sa.Integer(), nullable=False)]


def _profile_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"])


def _create_state_and_days() -> None:
    op.create_table(
        "index_state", *_key(),
        sa.Column("facts_digest", TEXT, nullable=False),
        sa.Column("watermarks", JSON, nullable=True),
        sa.Column("last_run_at", UTC_TIME, nullable=False),
        _profile_fk(), sa.PrimaryKeyConstraint("id"), sa.UniqueConstraint("profile_id"),
    )
    op.create_table(
        "index_days", *_key(),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in INT_COUNTS),
        *(sa.Column(name, sa.Float(), nullable=False) for name in FLOAT_SUMS),
        sa.Column("unsupported", JSON, nullable=True),
        sa.Column("post_engagement_48h", sa.Float(), nullable=True),
        sa.Column("reply_seconds_median", sa.Float(), nullable=True),
        _profile_fk(), sa.PrimaryKeyConstraint("id"), sa.UniqueConstraint("profile_id", "day"),
    )


def _create_item_tables() -> None:
    op.create_table(
        "engagement_days", *_key(),
        sa.Column("platform", TEXT, nullable=False),
        sa.Column("external_id", TEXT, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=False) for name in ("likes", "shares", "replies", "quotes")),
        _profile_fk(), sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id", "platform", "external_id", "day"),
    )
    op.create_index("ix_engagement_days_day", "engagement_days", ["profile_id", "day"])
    op.create_table(
        "owned_posts", *_key(),
        sa.Column("platform", TEXT, nullable=False),
        sa.Column("external_id", TEXT, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("engagement", sa.Float(), nullable=False),
        sa.Column("engagement_48h", sa.Float(), nullable=True),
        _profile_fk(), sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id", "platform", "external_id"),
    )
    op.create_index("ix_owned_posts_day", "owned_posts", ["profile_id", "day"])
    op.create_table(
        "responses", *_key(),
        sa.Column("platform", TEXT, nullable=False),
        sa.Column("external_id", TEXT, nullable=False),
        sa.Column("author_external_id", TEXT, nullable=True),
        sa.Column("reason", TEXT, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("deadline_at", UTC_TIME, nullable=False),
        sa.Column("deadline_day", sa.Date(), nullable=False),
        sa.Column("first_reply_at", UTC_TIME, nullable=True),
        sa.Column("first_reply_external_id", TEXT, nullable=True),
        sa.Column("reply_seconds", sa.Float(), nullable=True),
        _profile_fk(), sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id", "platform", "external_id"),
    )
    op.create_index("ix_responses_deadline_day", "responses", ["profile_id", "deadline_day"])
    op.create_index("ix_responses_deadline", "responses", ["profile_id", "deadline_at"])


def _create_person_tables() -> None:
    op.create_table(
        "engagers", *_key(),
        sa.Column("platform", TEXT, nullable=False),
        sa.Column("author_external_id", TEXT, nullable=False),
        sa.Column("first_seen_at", UTC_TIME, nullable=False),
        sa.Column("last_seen_at", UTC_TIME, nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in ENGAGER_COUNTS),
        sa.Column("reply_seconds_median", sa.Float(), nullable=True),
        sa.Column("mean_compound", sa.Float(), nullable=True),
        sa.Column("is_returning", sa.Boolean(), nullable=False),
        sa.Column("helped_at", UTC_TIME, nullable=True),
        sa.Column("returned_at", UTC_TIME, nullable=True),
        _profile_fk(), sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id", "platform", "author_external_id"),
    )
    op.create_table(
        "engager_days", *_key(),
        sa.Column("platform", TEXT, nullable=False),
        sa.Column("author_external_id", TEXT, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False)
          for name in ("interactions", "positive", "negative", "neutral")),
        sa.Column("compound_sum", sa.Float(), nullable=False),
        sa.Column("is_returning", sa.Boolean(), nullable=False),
        sa.Column("is_first", sa.Boolean(), nullable=False),
        _profile_fk(), sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id", "platform", "author_external_id", "day"),
    )
    op.create_index("ix_engager_days_day", "engager_days", ["profile_id", "day"])
    op.create_table(
        "return_spans", *_key(),
        sa.Column("platform", TEXT, nullable=False),
        sa.Column("author_external_id", TEXT, nullable=False),
        sa.Column("kind", TEXT, nullable=False),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        _profile_fk(), sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id", "platform", "author_external_id", "kind", "start_day"),
    )
    op.create_index("ix_return_spans_start", "return_spans", ["profile_id", "kind", "start_day"])
    op.create_index("ix_return_spans_end", "return_spans", ["profile_id", "kind", "end_day"])


def upgrade() -> None:
    _create_state_and_days()
    _create_item_tables()
    _create_person_tables()
    op.create_index("ix_engagement_events_actor", "engagement_events", ["platform", "actor_external_id"])
    with op.batch_alter_table("index_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("used_components", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("index_points", schema=None) as batch_op:
        batch_op.drop_column("used_components")
    op.drop_index("ix_engagement_events_actor", table_name="engagement_events")
    for table in ("return_spans", "engager_days", "engagers", "responses", "owned_posts",
                  "engagement_days", "index_days", "index_state"):
        op.drop_table(table)
