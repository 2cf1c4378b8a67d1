"""Alembic environment: migrations run on the connection the application hands in."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import listener.storage.alert_models  # noqa: F401  (each module registers its tables)
import listener.storage.daemon_models  # noqa: F401
import listener.storage.index_models  # noqa: F401
import listener.storage.models  # noqa: F401

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")

if connection is None:
    raise RuntimeError("run migrations through listener.storage.engine.migrate()")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
