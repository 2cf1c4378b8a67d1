"""The columns `ror status` and `ror index` read, as light SQLAlchemy Core constructs that need no SQLModel.

The tables themselves are defined once, as the SQLModel classes in listener/storage/*_models.py
(and their migrations). Loading those costs a read command more than everything else it does, so
the reads here name only the columns they select, each with the type that decodes it (UTC times,
JSON documents). tests/test_read_tables.py checks every construct against the SQLModel tables:
same table, same column names, same column type, so a renamed or retyped column fails there.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Date, Float, Integer, String, column, table

from listener.storage.types import UTCDateTime

PROFILES = table("profiles", column("id", Integer), column("name", String))
SYNC_RUNS = table(
    "sync_runs",
    column("id", Integer), column("source", String), column("started_at", UTCDateTime()),
    column("ended_at", UTCDateTime()), column("status", String), column("error", String),
    column("quarantined", Integer), column("skipped", Integer), column("unexpanded", Integer),
    column("streams", JSON()), column("owner", String),
)
ITEM_PROFILES = table(
    "item_profiles", column("profile_id", Integer), column("platform", String), column("external_id", String),
    column("role", String), column("source", String),
)
SYNC_CURSORS = table(
    "sync_cursors", column("source", String), column("stream", String), column("cursor", String),
    column("updated_at", UTCDateTime()),
)
QUARANTINE = table(
    "quarantine", column("id", Integer), column("source", String), column("error", String),
    column("first_seen_at", UTCDateTime()), column("resolved_at", UTCDateTime()),
)
SOURCE_HEALTH = table(
    "daemon_source_health",
    column("source", String), column("consecutive_failures", Integer), column("next_run_at", UTCDateTime()),
    column("quota_remaining", Float), column("quota_limit", Float), column("quota_reset_at", UTCDateTime()),
)
DAEMON_STATE = table(
    "daemon_state",
    column("pid", Integer), column("hostname", String), column("started_at", UTCDateTime()),
    column("heartbeat_at", UTCDateTime()), column("stopped_at", UTCDateTime()), column("health_url", String),
)
PIPELINE_STEPS = table(
    "pipeline_steps",
    column("profile", String), column("step", String), column("consecutive_failures", Integer),
    column("last_failed_at", UTCDateTime()), column("last_error", String),
)
IMPORT_RUNS = table(
    "import_runs",
    column("id", Integer), column("profile_id", Integer), column("kind", String), column("file_name", String),
    column("imported_at", UTCDateTime()), column("rows", Integer), column("new", Integer),
    column("quarantined", Integer),
)
INDEX_POINTS = table(
    "index_points",
    column("profile_id", Integer), column("day", Date), column("formula_version", String),
    column("components", JSON()), column("coverage", Float), column("used_components", JSON()),
    column("daily_index", Float), column("running_index", Float), column("provisional", Boolean),
)
# what the founders' RoR % reads beside the index (listener/read/ror_percent.py)
ITEMS = table(
    "items",
    column("platform", String), column("external_id", String), column("kind", String),
    column("author_external_id", String), column("parent_external_id", String), column("created_at", UTCDateTime()),
)
AUTHORS = table("authors", column("platform", String), column("external_id", String), column("handle", String))
RESPONSES = table(
    "responses", column("profile_id", Integer), column("platform", String), column("author_external_id", String),
    column("first_reply_at", UTCDateTime()),
)
PERSONS = table("persons", column("profile_id", Integer))
PERSON_IDENTITIES = table(
    "person_identities", column("profile_id", Integer), column("person_id", Integer), column("kind", String),
    column("platform", String), column("value", String),
)
CUSTOMERS = table(
    "customers", column("profile_id", Integer), column("customer_key", String), column("person_id", Integer),
    column("created_at", UTCDateTime()), column("referred_by_key", String),
)
ORDERS = table(
    "orders", column("profile_id", Integer), column("customer_key", String), column("person_id", Integer),
    column("ordered_at", UTCDateTime()),
)
TICKETS = table(
    "tickets", column("profile_id", Integer), column("person_id", Integer), column("resolved_at", UTCDateTime()),
)
READ_TABLES = (PROFILES, SYNC_RUNS, ITEM_PROFILES, SYNC_CURSORS, QUARANTINE, SOURCE_HEALTH, DAEMON_STATE,
               PIPELINE_STEPS, IMPORT_RUNS, INDEX_POINTS, ITEMS, AUTHORS, RESPONSES, PERSONS, PERSON_IDENTITIES,
               CUSTOMERS, ORDERS, TICKETS)
