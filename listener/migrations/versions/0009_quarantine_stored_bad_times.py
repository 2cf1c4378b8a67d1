"""move items stored with a creation time outside 2000-01-01 .. now + 1 day to quarantine

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import op

from listener.storage.repair import quarantine_out_of_window_items

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    quarantine_out_of_window_items(op.get_bind(), datetime.now(UTC))


def downgrade() -> None:
    pass  # the moved items stay in quarantine, where they belong
