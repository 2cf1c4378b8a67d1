"""sentiment_scores: ix_sentiment_scores_scorer_version, so a poll counts one version's scores without a scan

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The scorer's floor (listener/sentiment/score.py) counts all scores and seeks the other versions' ones;
    # the unique (platform, external_id, scorer_version) index served neither without reading every entry.
    op.create_index("ix_sentiment_scores_scorer_version", "sentiment_scores", ["scorer_version"])


def downgrade() -> None:
    op.drop_index("ix_sentiment_scores_scorer_version", table_name="sentiment_scores")
