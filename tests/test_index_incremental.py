"""Incremental updates give exactly what a full recompute gives, and touch only what changed."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

import listener.index.items
import listener.index.scope
import listener.index.series
import listener.index.sql
import listener.ledger.delta
import listener.ledger.update
from listener.index.aggregate import recompute_profile
from listener.storage.engine import open_database
from listener.storage.index_models import (
    EngagementDayRow,
    EngagerDayRow,
    EngagerRow,
    EngagerStateRow,
    IndexDayRow,
    OwnedPostRow,
    ResponseRow,
    ReturnSpanRow,
)
from listener.storage.models import IndexPointRow
from listener.storage.upsert import table_of
from tests.test_index_pipeline import NOW, Store, inbound, owned, profile_with, utc

DERIVED = (IndexDayRow, EngagementDayRow, OwnedPostRow, ResponseRow, EngagerRow, EngagerDayRow, ReturnSpanRow,
           EngagerStateRow, IndexPointRow)
PEOPLE = ("alice", "bob", "carol", "dave", "erin", "frank")
CROWD = tuple(f"fan{rank}" for rank in range(1, 41))
ZIPF = tuple(rank ** -1.1 for rank in range(1, 41))  # the first fans write most items
TEXTS = ("How does it work?", "Broken again", "Love it", "ok", "@acme where is my order")


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every derived table's rows, without ids and timestamps of writing, sorted."""
    found = {}
    with engine.connect() as connection:
        for model in DERIVED:
            table = table_of(model)
            rows = connection.execute(select(table)).mappings()
            found[table.name] = sorted(
                repr(sorted((k, _rounded(v)) for k, v in r.items() if k not in ("id", "computed_at"))) for r in rows)
    return found


class Story:
    """A seeded brand week: posts, replies, mentions, brand answers, likes, growing counters, late data."""

    def __init__(self, store: Store, seed: int, people: tuple[str, ...] = PEOPLE,
                 weights: tuple[float, ...] | None = None) -> None:
        self.store, self.random, self.serial = store, random.Random(seed), 0
        self.people, self.weights = people, weights
        self.posts: list[str] = []
        self.inbound: list[str] = []

    def _person(self) -> str:
        return self.random.choices(self.people, self.weights)[0]

    def _id(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial}"

    def batch(self, start: datetime, hours: int, now: datetime) -> None:
        """Items created in [start, start + hours), saved by a sync at `now`."""
        items = []
        for _ in range(12):
            at = start + timedelta(minutes=self.random.randrange(hours * 60))
            roll = self.random.random()
            if roll < 0.15 or not self.posts:
                self.posts.append(self._id("p"))
                items.append(owned(self.posts[-1], at, likes=self.random.randrange(20), shares=1))
            elif roll < 0.3 and self.inbound:
                items.append(owned(self._id("r"), at, kind="reply", parent=self.random.choice(self.inbound)))
            else:
                external_id = self._id("i")
                kind = self.random.choice(("reply", "reply", "mention", "post", "review"))
                items.append(inbound(external_id, at, who=self._person(), kind=kind,
                                     text=self.random.choice(TEXTS), parent=self.random.choice(self.posts)
                                     if kind == "reply" else None, rating=3 if kind == "review" else None))
                self.inbound.append(external_id)
        self.store.add(*items, now=now)
        for item in items:
            self.store.score(item.external_id, round(self.random.uniform(-1, 1), 3))
        for post in self.random.sample(self.posts, min(3, len(self.posts))):
            self.store.like(post, self._person(), now=now)
        growing = [owned(p, utc(2026, 1, 1), likes=self.random.randrange(20, 60), shares=2) for p in self.posts[-3:]]
        self.store.add(*growing, now=now)  # counters grow (created_at is refreshed by the upsert, not used)


def daily_updates_then_recompute(engine: Engine, story: Story, hours: int = 6) -> tuple[dict[str, Any], dict[str, Any]]:
    """Six daily syncs of `hours` of items (late data for older days in the fourth), each followed by an update;
    returns every derived table after the updates and after a full recompute."""
    moment = NOW - timedelta(days=6)
    for step in range(6):
        story.batch(moment - timedelta(hours=hours), hours, now=moment)
        if step == 3:
            story.batch(NOW - timedelta(days=9), 12, now=moment)  # late data for older days
        story.store.aggregate(now=moment)
        moment += timedelta(days=1)
    incremental = snapshot(engine)
    recompute_profile(engine, story.store.profile, clock=lambda: moment - timedelta(days=1))
    return incremental, snapshot(engine)


def test_incremental_updates_equal_a_full_recompute(engine: Engine) -> None:
    incremental, recomputed = daily_updates_then_recompute(engine, Story(Store(engine, profile_with()), seed=3))
    assert recomputed == incremental
    assert len(incremental["index_points"]) == 9 and len(incremental["engager_days"]) > 10


def test_updates_fold_heavy_authors_forward_and_equal_a_full_recompute(engine: Engine,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    rebuilt: list[tuple[str, str]] = []
    rebuild = listener.ledger.update._rebuild
    monkeypatch.setattr(listener.ledger.update, "_rebuild", lambda ctx, people: (
        rebuilt.extend(people), rebuild(ctx, people))[1])
    store = Store(engine, profile_with())
    story = Story(store, seed=11, people=CROWD, weights=ZIPF)
    moment = NOW - timedelta(days=20)
    for step in range(20):
        for hour in range(0, 8, 2):  # four syncs a day, each followed by an update
            story.batch(moment - timedelta(hours=8 - hour), 2, now=moment - timedelta(hours=6 - hour))
            if step == 12 and hour == 4:
                story.batch(NOW - timedelta(days=25), 24, now=moment - timedelta(hours=2))  # late data: rebuilt
            store.aggregate(now=moment - timedelta(hours=6 - hour))
        moment += timedelta(days=1)
    incremental = snapshot(engine)
    recompute_profile(engine, store.profile, clock=lambda: moment - timedelta(days=1))
    assert snapshot(engine) == incremental
    fans = {author for _platform, author in rebuilt}
    assert "fan1" in fans  # the first update and the late data rebuild; the other updates fold
    assert rebuilt.count(("mastodon", "fan1")) <= 3
    assert len(incremental["engager_states"]) >= 20 and len(incremental["return_spans"]) > 5


def _fold_heavy_story(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    store = Store(engine, profile_with())
    story = Story(store, seed=5, people=CROWD, weights=ZIPF)
    moment = NOW - timedelta(days=4)
    for _ in range(4):
        story.batch(moment - timedelta(hours=8), 6, now=moment - timedelta(hours=1))
        story.batch(moment - timedelta(hours=3), 2, now=moment)
        store.aggregate(now=moment)
        moment += timedelta(days=1)
    return snapshot(engine)


def test_key_lists_read_in_one_chunk_or_in_many_give_the_same_rows(engine: Engine, tmp_path: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """An update reads the keys bound as one list value (keys_in) in chunks of KEY_LIST_CHUNK: any size, same rows."""
    whole = _fold_heavy_story(engine)
    chunks: list[int] = []
    old_days = listener.index.items._old_days
    monkeypatch.setattr(listener.index.items, "_old_days", lambda ctx, model, column, keys: (
        chunks.append(len(keys or ())), old_days(ctx, model, column, keys))[1])
    for module in (listener.index.sql, listener.index.scope, listener.ledger.delta):
        monkeypatch.setattr(module, "KEY_LIST_CHUNK", 2)
    small = open_database(f"sqlite:///{tmp_path / 'small_chunks.db'}")
    try:
        assert _fold_heavy_story(small) == whole
    finally:
        small.dispose()
    assert max(chunks) == 2 and len(chunks) > 8  # the lists were really cut
    assert len(whole["responses"]) > 4 and len(whole["engagers"]) > 4


def test_an_update_without_new_rows_writes_no_points(engine: Engine) -> None:
    store = Store(engine, profile_with())
    Story(store, seed=5).batch(NOW - timedelta(days=3), 48, now=NOW - timedelta(days=1))
    store.aggregate()
    before = snapshot(engine)
    with engine.connect() as connection:
        stamps = set(connection.execute(select(table_of(IndexPointRow).c.computed_at)).scalars())
    store.aggregate(now=NOW + timedelta(minutes=5))
    with engine.connect() as connection:
        after = set(connection.execute(select(table_of(IndexPointRow).c.computed_at)).scalars())
    assert snapshot(engine) == before and after == stamps


def test_a_late_change_far_back_recomputes_the_series_from_that_day_only(engine: Engine,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    resumed: list[date | None] = []
    compute = listener.index.series.compute_series
    monkeypatch.setattr(listener.index.series, "compute_series", lambda inputs, params: (
        resumed.append(inputs.resume.day if inputs.resume else None), compute(inputs, params))[1])
    store = Store(engine, profile_with())
    story = Story(store, seed=7)
    moment = NOW - timedelta(days=40)
    store.followers(900, now=moment - timedelta(days=2))
    for _ in range(40):
        story.batch(moment - timedelta(hours=6), 6, now=moment)
        store.aggregate(now=moment)
        moment += timedelta(days=1)
    story.batch(NOW - timedelta(days=30), 6, now=moment)  # late data for a day a month back
    store.aggregate(now=moment)
    late_day = resumed[-1]
    store.followers(1200, now=NOW - timedelta(days=20))  # a follower count recorded late, far back
    store.aggregate(now=moment)
    incremental = snapshot(engine)
    recompute_profile(engine, store.profile, clock=lambda: moment)
    assert snapshot(engine) == incremental
    assert resumed[0] is None and sum(day is not None for day in resumed) > 20  # most updates resume
    assert late_day is not None and late_day <= (NOW - timedelta(days=30)).date()
    assert len(incremental["index_points"]) > 40
