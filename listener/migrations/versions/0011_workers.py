"""workers: quota budgets per credential in the database, and (on PostgreSQL) the task queue's schema

The queue is Procrastinate's: its tables, functions and triggers come from the installed
package's schema file, applied once here so every `ror` command that migrates brings it.
A later Procrastinate release with schema changes gets its own revision that applies
that release's migration files (see docs/scale-out.md, "Upgrades").

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import listener.storage.models

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString()
UTC = listener.storage.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "quota_budgets",
        sa.Column("credential", TEXT, nullable=False),
        sa.Column("remaining", sa.Float(), nullable=True),
        sa.Column("limit", sa.Float(), nullable=True),
        sa.Column("reset_at", UTC(timezone=True), nullable=True),
        sa.Column("blocked_until", UTC(timezone=True), nullable=True),
        sa.Column("next_slot", UTC(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("credential"),
    )
    if op.get_bind().dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        # Straight to the driver, without parameters: the file holds many statements and literal % signs.
        op.get_bind().connection.cursor().execute(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("procrastinate_events", "procrastinate_periodic_defers", "procrastinate_jobs",
                      "procrastinate_workers"):
            op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
        op.execute("DROP TYPE IF EXISTS procrastinate_job_status, procrastinate_job_event_type CASCADE")
    op.drop_table("quota_budgets")
