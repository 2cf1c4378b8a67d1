"""The index on a real PostgreSQL server: the same SQL, the same series, incremental equal to full."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from listener.index.aggregate import recompute_profile
from tests.test_index_incremental import Story, snapshot
from tests.test_index_pipeline import NOW, Store, profile_with


def test_postgres_incremental_updates_equal_a_full_recompute(pg_engine: Engine) -> None:
    assert pg_engine.dialect.name == "postgresql"
    store = Store(pg_engine, profile_with())
    story = Story(store, seed=11)
    moment = NOW - timedelta(days=4)
    for step in range(4):
        story.batch(moment - timedelta(hours=8), 8, now=moment)
        if step == 2:
            story.batch(NOW - timedelta(days=8), 20, now=moment)
        store.aggregate(now=moment)
        moment += timedelta(days=1)
    incremental = snapshot(pg_engine)
    recompute_profile(pg_engine, store.profile, clock=lambda: moment - timedelta(days=1))
    assert snapshot(pg_engine) == incremental
    assert len(incremental["index_points"]) == 8 and incremental["engagers"]
