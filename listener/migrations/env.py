"""Alembic environment: migrations run on the connection the application hands in."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import listener.storage.alert_models  # each of these modules registers its tables on SQLModel.metadata
import listener.storage.daemon_models
import listener.storage.dashboard_models
import listener.storage.index_models
import listener.storage.models
import listener.storage.relationship_models
import listener.storage.worker_models  # noqa: F401 - for its tables (the last import of the `listener` name)

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
