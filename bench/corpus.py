"""The seeded benchmark corpus: a brand and its audience, as database rows or as Mastodon statuses.

Texts come from the human-rated sentiment corpora in `bench/data/sentiment/`; authors have a
power-law activity (a few people write most items); inbound replies thread under the brand's
recent posts and the brand answers recent inbound items; owned posts collect counter
snapshots and likes; reviews carry star ratings. Everything is drawn from one seed.
"""

from __future__ import annotations

import itertools
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from listener.config.settings import ProfileConfig
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

DATA_DIR = Path(__file__).resolve().parent / "data" / "sentiment"
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
# Reddit, Hacker News, App Store and Google reviews say nothing about an item's language, so two items
# in five carry none and go through the language gate (every fifth serial's 0th and 1st, no random draw).
UNLABELLED_IN_FIVE = 2
ACTIVITY_EXPONENT = 1.1  # Zipf-like: the person of rank r writes in proportion to r ** -1.1


def parse_size(text: str) -> int:
    """`10k`, `20k`, `1M` (any count with a k or M suffix) or a plain number -> an item count."""
    text = text.replace("_", "")
    for suffix, factor in (("k", 1_000), ("M", 1_000_000)):
        if text.endswith(suffix):
            return int(text[: -len(suffix)]) * factor
    return int(text)


@lru_cache(maxsize=1)
def load_texts() -> tuple[str, ...]:
    """Every text of the three ground-truth corpora (id, rating, text per tab-separated line)."""
    texts = []
    for path in sorted(DATA_DIR.glob("*_GroundTruth.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split("\t", 2)
            if len(parts) == 3 and parts[2].strip():
                texts.append(parts[2].strip())
    return tuple(texts)


def sample_texts(count: int, seed: int = 7) -> list[str]:
    """`count` corpus texts drawn with a seed (the same texts the corpus items carry)."""
    rng, texts = random.Random(seed), load_texts()
    return [rng.choice(texts) for _ in range(count)]


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
        self.activity = list(itertools.accumulate((rank + 1) ** -ACTIVITY_EXPONENT for rank in range(people)))
        self.texts = load_texts()
        self.owned_posts: list[tuple[str, datetime]] = []
        self.recent_inbound: deque[str] = deque(maxlen=300)
        self.serial = 0

    def person(self) -> str:
        """An author drawn by power-law activity."""
        return self.random.choices(self.people, cum_weights=self.activity)[0]

    def text(self) -> str:
        """A corpus text."""
        return self.random.choice(self.texts)

    def kind(self) -> tuple[str, str]:
        """A (role, kind) drawn from MIX, falling back when there is nothing to reply to yet."""
        roll, role, kind = self.random.random(), "inbound", "reply"
        for role_, kind_, share in MIX:
            if roll < share:
                role, kind = role_, kind_
                break
            roll -= share
        if kind == "reply" and role == "inbound" and not self.owned_posts:
            kind = "mention"
        if kind == "reply" and role == "owned" and not self.recent_inbound:
            kind = "post"
        return role, kind

    def parent(self, role: str, kind: str) -> str | None:
        """What a reply answers: a recent inbound item (brand) or a recent brand post (audience)."""
        if kind != "reply":
            return None
        if role == "owned":
            return self.random.choice(self.recent_inbound)
        return self.random.choice(self.owned_posts[-50:])[0]

    def remember(self, external_id: str, role: str, kind: str, created_at: datetime) -> None:
        """Keep what later replies may thread under."""
        if role == "owned" and kind == "post":
            self.owned_posts.append((external_id, created_at))
        elif role == "inbound":
            self.recent_inbound.append(external_id)

    def item(self, created_at: datetime, rows: Rows) -> None:
        """One item with its profile link, score, and for owned posts snapshots and likes."""
        role, kind = self.kind()
        self.serial += 1
        external_id = f"i{self.serial}"
        author = BRAND if role == "owned" else self.person()
        rating = float(self.random.choice((1, 2, 3, 4, 5, 5, 5))) if kind == "review" else None
        rows.add(ItemRow, _item_row(external_id, kind, author, self.parent(role, kind), created_at, rating, self.text(),
                                    platform_language(self.serial)))
        rows.add(ItemProfileRow, {"profile_id": 1, "platform": PLATFORM, "external_id": external_id,
                                  "role": role, "source": "bench", "created_at": created_at})
        rows.add(SentimentRow, self._score(external_id, created_at, platform_language(self.serial) is not None))
        if role == "owned" and kind == "post":
            self._engagement(external_id, created_at, rows)
        self.remember(external_id, role, kind, created_at)

    def _score(self, external_id: str, created_at: datetime, labelled: bool) -> dict[str, Any]:
        compound = 0.0 if self.random.random() < 0.3 else round(self.random.uniform(-1, 1), 4)
        status = "unsupported_language" if self.random.random() < 0.05 else "scored"
        return {"platform": PLATFORM, "external_id": external_id, "scorer_version": SCORER_VERSION,
                "status": status, "compound": compound if status == "scored" else None,
                "language": "en" if status == "scored" else "de",
                "language_source": "platform" if labelled else "detected",
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
        for actor in {self.person() for _ in range(LIKES_PER_POST)}:
            rows.add(EngagementEventRow, {"platform": PLATFORM, "item_external_id": external_id,
                                          "actor_external_id": actor, "kind": "like", "occurred_at": None,
                                          "first_seen_at": created_at + timedelta(hours=1)})


def platform_language(serial: int) -> str | None:
    """The language the platform reports for the item with this serial: "en", or None for two in five."""
    return None if serial % 5 < UNLABELLED_IN_FIVE else "en"


def _item_row(external_id: str, kind: str, author: str, parent: str | None, created_at: datetime,
              rating: float | None, text: str, language: str | None) -> dict[str, Any]:
    return {"platform": PLATFORM, "external_id": external_id, "kind": kind, "author_external_id": author,
            "parent_external_id": parent, "root_external_id": parent, "text": text, "language": language,
            "url": f"https://example.test/{external_id}", "rating": rating,
            "rating_scale": 5.0 if rating else None, "created_at": created_at,
            "fetched_at": created_at + timedelta(minutes=15), "raw": None}


def times(count: int, start: datetime, end: datetime, rng: random.Random) -> Iterator[datetime]:
    """`count` sorted random moments in [start, end)."""
    span = (end - start).total_seconds()
    for offset in sorted(rng.random() * span for _ in range(count)):
        yield start + timedelta(seconds=offset)


def _static_rows(world: World, rows: Rows, days: int) -> None:
    rows.add(ProfileRow, {"id": 1, "name": PROFILE.name, "timezone": PROFILE.timezone})
    rows.add(AccountRow, {"profile_id": 1, "platform": PLATFORM, "external_id": BRAND, "handle": "brand",
                          "source": "bench"})
    for person in [BRAND, *world.people]:
        rows.add(AuthorRow, {"platform": PLATFORM, "external_id": person, "handle": person, "updated_at": NOW})
    for back in range(days + 1):
        day = (NOW - timedelta(days=back)).date()
        rows.add(FollowerCountRow, {"platform": PLATFORM, "author_external_id": BRAND, "observed_on": day,
                                    "observed_at": NOW - timedelta(days=back), "followers": 50_000 - 20 * back})


def build_database(engine: Engine, size: int, seed: int, days: int = HISTORY_DAYS) -> World:
    """Fill an empty database with `size` items over the last `days` days, through Core bulk inserts."""
    world, rows = World(seed, max(1000, size // 20)), Rows()
    _static_rows(world, rows, days)
    for created_at in times(size, NOW - timedelta(days=days), NOW - timedelta(hours=1), world.random):
        world.item(created_at, rows)
        if rows.size() >= BATCH:
            rows.flush(engine)
    rows.flush(engine)
    return world


def add_new_items(engine: Engine, world: World, count: int, until: datetime) -> None:
    """One sync's worth: `count` new items in the last hour, plus new snapshots of recent posts."""
    rows = Rows()
    for created_at in times(count, until - timedelta(hours=1), until, world.random):
        world.item(created_at, rows)
    for external_id, _created_at in world.owned_posts[-20:]:
        rows.add(CounterSnapshotRow, {"platform": PLATFORM, "external_id": external_id, "observed_at": until,
                                      "likes": 500, "shares": 50, "replies": 40, "quotes": 1})
    rows.flush(engine)


# --- The same world as Mastodon statuses, for the real connector -> sync -> store path ---

BRAND_ACCOUNT = {"id": "1", "acct": BRAND, "display_name": "The Brand", "url": "https://m.example/@brand",
                 "followers_count": 50_000, "following_count": 10}
PAGE_SIZE = 40  # Mastodon's largest page


def _account(person: str) -> dict[str, Any]:
    return {"id": person.removeprefix("p") + "000", "acct": person, "display_name": person,
            "url": f"https://m.example/@{person}", "followers_count": 100, "following_count": 50}


def status(world: World, created_at: datetime) -> dict[str, Any]:
    """One Mastodon Status entity drawn from the world (shape as the API returns it)."""
    role, kind = world.kind()
    world.serial += 1
    local_id = str(10_000_000 + world.serial)
    text, parent = world.text(), world.parent(role, kind)
    likes = world.random.randrange(30) if role == "owned" else world.random.randrange(4)
    world.remember(local_id, role, kind, created_at)
    return {"id": local_id, "created_at": created_at.isoformat().replace("+00:00", "Z"),
            "account": BRAND_ACCOUNT if role == "owned" else _account(world.person()),
            "content": f"<p>{text}</p>", "url": f"https://m.example/@x/{local_id}",
            "language": platform_language(world.serial),
            "in_reply_to_id": parent, "reblog": {"id": "9"} if kind == "share" else None,
            "mentions": [BRAND_ACCOUNT] if kind == "mention" else [],
            "favourites_count": likes, "reblogs_count": likes // 5, "replies_count": likes // 4}


def statuses(count: int, seed: int = 7, days: int = HISTORY_DAYS) -> Iterator[dict[str, Any]]:
    """`count` statuses, oldest first, spread evenly over the last `days` days; generated lazily."""
    world = World(seed, max(1000, count // 20))
    start, step = NOW - timedelta(days=days), timedelta(days=days) / max(count, 1)
    for n in range(count):
        yield status(world, start + n * step)
