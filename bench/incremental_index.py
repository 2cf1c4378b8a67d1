"""Incremental index update vs full recompute on a large synthetic SQLite database.

    python -m bench.incremental_index [--size 1000000] [--new 1000] [--seed 7] [--db PATH]

Builds a seeded database of `--size` items over two years (bulk inserts through SQLAlchemy
Core), rebuilds the index from scratch (timed), adds `--new` items as one sync would (new
inbound replies and mentions, brand posts and replies, their scores, counter snapshots and
likes), then runs the ordinary incremental update (timed). Prints both times and their ratio,
measured in one run. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from listener.aggregate import aggregate_profile, recompute_profile
from listener.config import ProfileConfig
from listener.storage.engine import open_database
from listener.storage.models import (
    AccountRow,
    AuthorRow,
    CounterSnapshotRow,
    EngagementEventRow,
    FollowerCountRow,
    ItemProfileRow,
    ItemRow,
    ProfileRow,
    SentimentRow,
)
from listener.storage.upsert import table_of
from scoring.sentiment import SCORER_VERSION

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
HISTORY_DAYS = 730
PLATFORM = "mastodon"
BRAND = "brand"
BATCH = 20_000
PROFILE = ProfileConfig(name="bench", timezone="Europe/Berlin")
# Share of items by (role, kind); the rest of the world replies to the brand.
MIX = (("owned", "post", 0.08), ("owned", "reply", 0.04), ("inbound", "mention", 0.22),
       ("inbound", "post", 0.14), ("inbound", "review", 0.02), ("inbound", "share", 0.01),
       ("inbound", "reply", 0.49))
LIKES_PER_POST = 5


@dataclass
class Rows:
    """Rows waiting for a bulk insert, per table."""

    tables: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, model: Any, row: dict[str, Any]) -> None:
        """Queue one row."""
        self.tables.setdefault(model, []).append(row)

    def size(self) -> int:
        """Rows queued."""
        return sum(len(rows) for rows in self.tables.values())

    def flush(self, engine: Engine) -> None:
        """Insert everything queued in one transaction (plain INSERTs: the database starts empty)."""
        with engine.begin() as connection:
            for model, rows in self.tables.items():
                if rows:
                    connection.execute(insert(table_of(model)), rows)
        self.tables = {}


class World:
    """A seeded brand and its audience, producing items in time order."""

    def __init__(self, seed: int, people: int) -> None:
        self.random = random.Random(seed)
        self.people = [f"p{i}" for i in range(people)]
        self.owned_posts: list[tuple[str, datetime]] = []
        self.recent_inbound: deque[str] = deque(maxlen=300)
        self.serial = 0

    def kind(self) -> tuple[str, str]:
        """A (role, kind) drawn from MIX."""
        roll = self.random.random()
        for role, kind, share in MIX:
            if roll < share:
                return role, kind
            roll -= share
        return "inbound", "reply"

    def item(self, created_at: datetime, rows: Rows) -> None:
        """One item with its profile link, score, and for owned posts snapshots and likes."""
        role, kind = self.kind()
        if kind == "reply" and role == "inbound" and not self.owned_posts:
            kind = "mention"
        if kind == "reply" and role == "owned" and not self.recent_inbound:
            kind = "post"
        self.serial += 1
        external_id = f"i{self.serial}"
        author = BRAND if role == "owned" else self.random.choice(self.people)
        parent = self._parent(role, kind)
        rows.add(ItemRow, _item_row(external_id, kind, author, parent, created_at, self._rating(kind)))
        rows.add(ItemProfileRow, {"profile_id": 1, "platform": PLATFORM, "external_id": external_id,
                                  "role": role, "source": "bench", "created_at": created_at})
        rows.add(SentimentRow, self._score(external_id, created_at))
        if role == "owned" and kind == "post":
            self.owned_posts.append((external_id, created_at))
            self._engagement(external_id, created_at, rows)
        elif role == "inbound":
            self.recent_inbound.append(external_id)

    def _parent(self, role: str, kind: str) -> str | None:
        if kind != "reply":
            return None
        if role == "owned":
            return self.random.choice(self.recent_inbound)
        return self.random.choice(self.owned_posts[-50:])[0]

    def _rating(self, kind: str) -> float | None:
        return float(self.random.choice((1, 2, 3, 4, 5, 5, 5))) if kind == "review" else None

    def _score(self, external_id: str, created_at: datetime) -> dict[str, Any]:
        compound = 0.0 if self.random.random() < 0.3 else round(self.random.uniform(-1, 1), 4)
        status = "unsupported_language" if self.random.random() < 0.05 else "scored"
        return {"platform": PLATFORM, "external_id": external_id, "scorer_version": SCORER_VERSION,
                "status": status, "compound": compound if status == "scored" else None,
                "language": "en" if status == "scored" else "de", "language_source": "platform",
                "scored_at": created_at + timedelta(minutes=20)}

    def _engagement(self, external_id: str, created_at: datetime, rows: Rows) -> None:
        likes = 0
        for hours in (1, 24, 72):
            observed = created_at + timedelta(hours=hours)
            if observed > NOW:
                break
            likes += self.random.randint(0, 20)
            rows.add(CounterSnapshotRow, {"platform": PLATFORM, "external_id": external_id, "observed_at": observed,
                                          "likes": likes, "shares": likes // 5, "replies": likes // 4, "quotes": 0})
        for actor in self.random.sample(self.people, LIKES_PER_POST):
            rows.add(EngagementEventRow, {"platform": PLATFORM, "item_external_id": external_id,
                                          "actor_external_id": actor, "kind": "like", "occurred_at": None,
                                          "first_seen_at": created_at + timedelta(hours=1)})


def _item_row(external_id: str, kind: str, author: str, parent: str | None, created_at: datetime,
              rating: float | None) -> dict[str, Any]:
    return {"platform": PLATFORM, "external_id": external_id, "kind": kind, "author_external_id": author,
            "parent_external_id": parent, "root_external_id": parent, "text": f"item {external_id}?" if
            kind == "mention" else f"item {external_id}", "language": "en", "url": f"https://example.test/{external_id}",
            "rating": rating, "rating_scale": 5.0 if rating else None, "created_at": created_at,
            "fetched_at": created_at + timedelta(minutes=15), "raw": None}


def _times(count: int, start: datetime, end: datetime, rng: random.Random) -> Iterator[datetime]:
    """`count` sorted random moments in [start, end)."""
    span = (end - start).total_seconds()
    for offset in sorted(rng.random() * span for _ in range(count)):
        yield start + timedelta(seconds=offset)


def _static_rows(world: World, rows: Rows) -> None:
    rows.add(ProfileRow, {"id": 1, "name": PROFILE.name, "timezone": PROFILE.timezone})
    rows.add(AccountRow, {"profile_id": 1, "platform": PLATFORM, "external_id": BRAND, "handle": "brand",
                          "source": "bench"})
    for person in [BRAND, *world.people]:
        rows.add(AuthorRow, {"platform": PLATFORM, "external_id": person, "handle": person, "updated_at": NOW})
    for back in range(HISTORY_DAYS + 1):
        day = (NOW - timedelta(days=back)).date()
        rows.add(FollowerCountRow, {"platform": PLATFORM, "author_external_id": BRAND, "observed_on": day,
                                    "observed_at": NOW - timedelta(days=back), "followers": 50_000 - 20 * back})


def build_database(engine: Engine, size: int, seed: int) -> World:
    """Fill an empty database with `size` items over HISTORY_DAYS days."""
    world, rows = World(seed, max(1000, size // 20)), Rows()
    _static_rows(world, rows)
    for created_at in _times(size, NOW - timedelta(days=HISTORY_DAYS), NOW - timedelta(hours=1), world.random):
        world.item(created_at, rows)
        if rows.size() >= BATCH:
            rows.flush(engine)
    rows.flush(engine)
    return world


def add_new_items(engine: Engine, world: World, count: int, until: datetime) -> None:
    """One sync's worth: `count` new items in the last hour, plus new snapshots of recent posts."""
    rows = Rows()
    for created_at in _times(count, until - timedelta(hours=1), until, world.random):
        world.item(created_at, rows)
    for external_id, _created_at in world.owned_posts[-20:]:
        rows.add(CounterSnapshotRow, {"platform": PLATFORM, "external_id": external_id, "observed_at": until,
                                      "likes": 500, "shares": 50, "replies": 40, "quotes": 1})
    rows.flush(engine)


def timed(action: Any) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds an action took, and its result.

    CPU time is shown beside wall time because a busy machine stretches wall time only.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run(size: int, new: int, seed: int, database: Path) -> dict[str, float]:
    """Build, recompute fully, add `new` items, update incrementally; returns the figures."""
    engine = open_database(f"sqlite:///{database}")
    build_seconds, _, world = timed(lambda: build_database(engine, size, seed))
    full_wall, full_cpu, points = timed(lambda: recompute_profile(engine, PROFILE, clock=lambda: NOW))
    later = NOW + timedelta(minutes=30)
    add_new_items(engine, world, new, later)
    incremental_wall, incremental_cpu, _ = timed(lambda: aggregate_profile(engine, PROFILE, clock=lambda: later))
    engine.dispose()
    return {"items": size, "new_items": new, "points": points, "build_seconds": build_seconds,
            "full_seconds": full_wall, "incremental_seconds": incremental_wall, "ratio": incremental_wall / full_wall,
            "full_cpu": full_cpu, "incremental_cpu": incremental_cpu, "cpu_ratio": incremental_cpu / full_cpu}


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="items in the database (default 1,000,000)")
    parser.add_argument("--new", type=int, default=1000, help="items added before the incremental update")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, default=None, help="database file (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        database = args.db or Path(scratch) / "bench.db"
        figures = run(args.size, args.new, args.seed, database)
    print(f"items={figures['items']} new={figures['new_items']} points={figures['points']:.0f} "
          f"build={figures['build_seconds']:.1f}s full_recompute={figures['full_seconds']:.2f}s "
          f"incremental={figures['incremental_seconds']:.3f}s ratio={figures['ratio']:.4f} "
          f"(cpu: full={figures['full_cpu']:.2f}s incremental={figures['incremental_cpu']:.3f}s "
          f"ratio={figures['cpu_ratio']:.4f})")


if __name__ == "__main__":
    main()
