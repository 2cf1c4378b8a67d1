"""The same pipeline on a real PostgreSQL server: migrations, dialect-aware upserts, sync, score, index."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from listener.config.settings import ProfileConfig
from listener.index.aggregate import aggregate_profile
from listener.sentiment.score import score_pending
from listener.storage.models import IndexPointRow, ItemRow, SentimentRow
from listener.storage.upsert import table_of
from tests.contract import finished
from tests.test_mastodon_connector import HOST, check_story, run_sync_respx, snapshot


def sync_fixture_story(engine: Engine, clock: Any, sleep: Any) -> Any:
    return run_sync_respx(engine, clock, sleep)


def test_postgres_runs_the_migrations_and_stores_the_story(pg_engine: Engine, clock: Any, sleep: Any) -> None:
    assert pg_engine.dialect.name == "postgresql"
    result = sync_fixture_story(pg_engine, clock, sleep)
    assert finished(result), result.error  # partial only for the fixture's one quarantined status
    check_story(pg_engine, HOST)


def test_postgres_resync_is_idempotent(pg_engine: Engine, clock: Any, sleep: Any) -> None:
    sync_fixture_story(pg_engine, clock, sleep)
    first = snapshot(pg_engine)
    clock.now = clock.now.replace(minute=45)
    sync_fixture_story(pg_engine, clock, sleep)
    assert snapshot(pg_engine) == first


def test_postgres_scores_and_aggregates_with_aware_times(pg_engine: Engine, clock: Any, sleep: Any) -> None:
    sync_fixture_story(pg_engine, clock, sleep)
    assert score_pending(pg_engine, clock=clock) > 0
    profile = ProfileConfig(name="acme", timezone="Europe/Berlin")
    assert aggregate_profile(pg_engine, profile, clock=clock) >= 3
    with pg_engine.connect() as connection:
        created = connection.execute(select(table_of(ItemRow).c.created_at)).scalars().first()
        statuses = set(connection.execute(select(table_of(SentimentRow).c.status)).scalars())
        backends = set(connection.execute(select(table_of(SentimentRow).c.backend)).scalars())
        points = connection.execute(select(table_of(IndexPointRow))).mappings().all()
    assert created is not None and created.utcoffset() is not None
    assert "scored" in statuses and any(b.startswith("lexicon-model-de") for b in backends if b)
    assert any(p["daily_index"] is not None for p in points)
