"""The aggregator on a real SQLite file: items saved by the store, facts on the right local day, all signals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from connectors.base import Author, Counters, EngagementEvent, Item, Page
from listener.config.settings import IndexConfig, ProfileConfig
from listener.index.aggregate import aggregate_profile, formula_version, recompute_profile
from listener.read.reports import load_index_points
from listener.storage.index_models import IndexDayRow
from listener.storage.models import IndexPointRow, SentimentRow
from listener.storage.store import ensure_profile, save_authors, save_events, save_items, save_owned_account
from listener.storage.upsert import table_of, upsert_rows
from scoring.sentiment import SCORER_VERSION

NOW = datetime(2026, 11, 18, 13, 0, tzinfo=UTC)
PLATFORM = "mastodon"
BRAND = Author(PLATFORM, "brand", "acme", followers=1000)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def person(name: str) -> Author:
    return Author(PLATFORM, name, name, url=f"https://social.example/@{name}")


def profile_with(**index: Any) -> ProfileConfig:
    return ProfileConfig(name="acme", timezone="Europe/Berlin", index=IndexConfig(**index))


class Store:
    """A profile's world written through the real store functions, with chosen sentiment scores."""

    def __init__(self, engine: Engine, profile: ProfileConfig) -> None:
        self.engine, self.profile = engine, profile
        with engine.begin() as connection:
            self.profile_id = ensure_profile(connection, profile.name, profile.timezone)
            save_owned_account(connection, self.profile_id, "src", BRAND)

    def add(self, *items: Item, now: datetime = NOW) -> None:
        """Save items as a sync at `now` would."""
        with self.engine.begin() as connection:
            save_authors(connection, [i.author for i in items if i.author], now)
            save_items(connection, self.profile_id, "src", list(items), now)

    def score(self, external_id: str, compound: float | None, status: str = "scored", language: str = "en") -> None:
        """Store a sentiment score as the scorer would."""
        with self.engine.begin() as connection:
            upsert_rows(connection, SentimentRow, [{
                "platform": PLATFORM, "external_id": external_id, "scorer_version": SCORER_VERSION,
                "status": status, "compound": compound, "language": language, "language_source": "platform",
                "scored_at": NOW}], ["platform", "external_id", "scorer_version"], ["status", "compound"])

    def like(self, item_id: str, who: str, now: datetime, occurred_at: datetime | None = None,
             kind: str = "like") -> None:
        """Someone liked or shared an owned item, seen by a sync at `now`."""
        with self.engine.begin() as connection:
            save_authors(connection, [person(who)], now)
            save_events(connection, Page(events=[EngagementEvent(PLATFORM, item_id, person(who), kind,  # type: ignore[arg-type]
                                                                 occurred_at)]), now)

    def followers(self, count: int, now: datetime = NOW) -> None:
        """The brand account's follower count seen at `now`."""
        with self.engine.begin() as connection:
            save_authors(connection, [Author(PLATFORM, "brand", "acme", followers=count)], now)

    def aggregate(self, now: datetime = NOW) -> int:
        """Update the index as of `now`."""
        return aggregate_profile(self.engine, self.profile, clock=lambda: now)

    def points(self) -> dict[date, dict[str, Any]]:
        """The current series by day."""
        return {date.fromisoformat(p["day"]): p for p in load_index_points(self.engine, self.profile, 100_000)}

    def facts(self) -> dict[date, dict[str, Any]]:
        """The stored day facts by day."""
        table = table_of(IndexDayRow)
        with self.engine.connect() as connection:
            return {r["day"]: dict(r) for r in connection.execute(select(table)).mappings()}


def inbound(external_id: str, at: datetime, who: str = "alice", kind: str = "reply", text: str = "ok",
            parent: str | None = None, rating: float | None = None, scale: float | None = None) -> Item:
    return Item(PLATFORM, external_id, kind, "inbound", person(who), text, at,  # type: ignore[arg-type]
                url=f"https://social.example/{external_id}", parent_external_id=parent, root_external_id=parent,
                rating=rating, rating_scale=scale)


def owned(external_id: str, at: datetime, kind: str = "post", parent: str | None = None, likes: int | None = None,
          shares: int | None = None) -> Item:
    return Item(PLATFORM, external_id, kind, "owned", BRAND, "news", at,  # type: ignore[arg-type]
                url=f"https://social.example/{external_id}", parent_external_id=parent, root_external_id=parent,
                counters=Counters(likes=likes, shares=shares, replies=0, quotes=0))


@pytest.fixture
def store_for(engine: Engine) -> Callable[..., Store]:
    return lambda **index: Store(engine, profile_with(**index))


def test_no_items_no_points(store_for: Callable[..., Store]) -> None:
    store = store_for()
    assert store.aggregate() == 0 and store.points() == {}


def test_a_single_item_gives_one_point_with_sentiment_only(store_for: Callable[..., Store]) -> None:
    store = store_for()
    store.add(inbound("a1", utc(2026, 11, 18, 9), kind="post"))
    store.score("a1", 0.6)
    assert store.aggregate() == 1
    point = store.points()[date(2026, 11, 18)]
    assert point["used_components"] == ["sentiment"] and point["provisional"]
    assert point["daily_index"] == pytest.approx(50 * (1 + 1 / 11))


@pytest.mark.parametrize(
    ("created", "day"),
    [
        (utc(2026, 11, 17, 22, 59), date(2026, 11, 17)),  # 23:59 in Berlin
        (utc(2026, 11, 17, 23, 0), date(2026, 11, 18)),  # midnight in Berlin
        (utc(2026, 3, 29, 21, 59), date(2026, 3, 29)),  # 23:59 CEST on the 23-hour day
        (utc(2026, 3, 29, 22, 0), date(2026, 3, 30)),
        (utc(2026, 10, 25, 22, 59), date(2026, 10, 25)),  # 23:59 CET on the 25-hour day
        (utc(2026, 10, 24, 22, 0), date(2026, 10, 25)),  # 00:00 CEST
    ],
)
def test_sentiment_lands_on_the_local_day(store_for: Callable[..., Store], created: datetime, day: date) -> None:
    store = store_for()
    store.add(inbound("a1", created), inbound("a2", utc(2026, 1, 5, 12), text="anchor"))
    store.score("a1", -0.5)
    store.score("a2", 0.0)
    store.aggregate()
    facts = store.facts()
    assert facts[day]["negative"] == 1
    assert sum(f["negative"] for f in facts.values()) == 1
    assert store.points()[day]["components"]["sentiment"]["negative"] == 1


def test_unsupported_languages_are_counted_apart(store_for: Callable[..., Store]) -> None:
    store = store_for()
    store.add(inbound("a1", utc(2026, 11, 18, 9)), inbound("a2", utc(2026, 11, 18, 10)))
    store.score("a1", None, status="unsupported_language", language="de")
    store.score("a2", 0.7)
    store.aggregate()
    sentiment = store.points()[date(2026, 11, 18)]["components"]["sentiment"]
    assert sentiment["unsupported_language"] == {"de": 1}
    assert (sentiment["positive"], sentiment["negative"], sentiment["neutral"]) == (1, 0, 0)


def test_engagement_follows_snapshots_and_event_timestamps(store_for: Callable[..., Store]) -> None:
    store = store_for(baseline_min_days=1)
    created = utc(2026, 11, 16, 10)
    for at, likes in ((utc(2026, 11, 17, 11), 10), (utc(2026, 11, 17, 23), 22), (utc(2026, 11, 18, 11), 34)):
        store.add(owned("p1", created, likes=likes, shares=0), now=at)
    store.add(owned("p2", created, likes=3, shares=0), now=utc(2026, 11, 17, 11))
    store.like("p2", "bob", utc(2026, 11, 18, 11), occurred_at=utc(2026, 11, 17, 8))
    store.like("p2", "carol", utc(2026, 11, 18, 11), occurred_at=utc(2026, 11, 17, 9))
    store.like("p2", "dave", utc(2026, 11, 18, 11), occurred_at=utc(2026, 11, 18, 9))
    store.followers(1000)
    store.aggregate()
    facts = store.facts()
    # p1: 10 on the day it was made, 12 + 12 spread over the snapshot intervals; p2: by its likes' timestamps
    assert [facts[date(2026, 11, d)]["likes"] for d in (16, 17, 18)] == [pytest.approx(10), pytest.approx(14),
                                                                        pytest.approx(13)]
    engagement = store.points()[date(2026, 11, 18)]["components"]["engagement"]
    assert engagement["rate"] == pytest.approx(13 / 1000) and engagement["baseline"] == pytest.approx(0.012)


def test_responsiveness_counts_on_the_day_the_sla_closes(store_for: Callable[..., Store]) -> None:
    store = store_for(responsiveness_pseudo_count=0)
    store.add(owned("p1", utc(2026, 11, 10, 9)))
    store.add(inbound("q1", utc(2026, 11, 16, 12), kind="post", text="How do I descale it?"),
              owned("r1", utc(2026, 11, 16, 13), kind="reply", parent="q1"),
              inbound("q2", utc(2026, 11, 16, 20), text="Broken again", parent="p1"),
              inbound("q3", utc(2026, 11, 16, 23, 30), who="bob", kind="mention", text="@acme hello"),
              owned("r3", utc(2026, 11, 18, 1), kind="reply", parent="q3"),
              inbound("q4", utc(2026, 11, 18, 10), who="carol", kind="mention", text="@acme where is it?"),
              inbound("t1", utc(2026, 11, 16, 10), who="dave", text="Thanks, love it", parent="p1"))
    for external_id, compound in (("q1", 0.0), ("q2", -0.6), ("q3", 0.0), ("q4", 0.0), ("t1", 0.8)):
        store.score(external_id, compound)
    store.aggregate()
    points = store.points()
    day17, day18 = (points[date(2026, 11, d)]["components"]["responsiveness"] for d in (17, 18))
    assert (day17["closed"], day17["in_time"], day17["unanswered"], day17["median_reply_minutes"]) == (2, 1, 1, 60.0)
    assert (day18["closed"], day18["late"], day18["pending"]) == (1, 1, 1)  # q3's SLA closed at 00:30 on the 18th
    assert day17["score"] == 50.0 and day18["score"] == 0.0

    store.aggregate(now=utc(2026, 11, 19, 13))  # no new rows: q4's window closes as time passes
    day19 = store.points()[date(2026, 11, 19)]["components"]["responsiveness"]
    assert (day19["closed"], day19["unanswered"], day19["pending"]) == (1, 1, 0)


def test_sla_in_business_hours(store_for: Callable[..., Store]) -> None:
    store = store_for(sla_hours=2, business_hours="09:00-17:00")
    # Friday 16:00 Berlin; answered on Monday at 09:30 Berlin: 1.5 business hours, in time
    store.add(inbound("q1", utc(2026, 11, 13, 15), kind="mention", text="@acme hi"),
              owned("r1", utc(2026, 11, 16, 8, 30), kind="reply", parent="q1"))
    store.score("q1", 0.0)
    store.aggregate()
    responsiveness = store.points()[date(2026, 11, 16)]["components"]["responsiveness"]
    assert (responsiveness["in_time"], responsiveness["median_reply_minutes"]) == (1, 90.0)


def test_nps_from_reviews_on_any_scale(store_for: Callable[..., Store]) -> None:
    store = store_for(nps_pseudo_count=0)
    store.add(inbound("v1", utc(2026, 11, 17, 9), kind="review", rating=5, scale=5),
              inbound("v2", utc(2026, 11, 17, 10), kind="review", rating=4, scale=5),
              inbound("v3", utc(2026, 11, 17, 11), kind="review", rating=2, scale=5),
              inbound("v4", utc(2026, 11, 18, 9), kind="review", rating=9, scale=10))
    store.aggregate()
    points = store.points()
    day17, day18 = (points[date(2026, 11, d)]["components"]["nps"] for d in (17, 18))
    assert (day17["nps"], day17["promoters"], day17["passives"], day17["detractors"]) == (0.0, 1, 1, 1)
    assert (day18["nps"], day18["reviews"], day18["score"]) == (25.0, 4, 62.5)
    assert day18["average_stars"] == pytest.approx((5 + 4 + 2 + 4.5) / 4)


def test_loyalty_and_return_rate_from_a_small_story(store_for: Callable[..., Store]) -> None:
    store = store_for(loyalty_pseudo_count=0, return_rate_pseudo_count=0)
    store.add(owned("p0", utc(2026, 10, 1, 9)), now=utc(2026, 10, 1, 10))
    store.add(owned("p1", utc(2026, 11, 9, 9)), now=utc(2026, 11, 9, 10))
    store.add(inbound("a1", utc(2026, 11, 1, 9), who="alice", kind="mention"),
              inbound("a2", utc(2026, 11, 10, 9), who="alice", parent="p1"),
              inbound("b1", utc(2026, 11, 10, 10), who="bob", parent="p1"),
              owned("r1", utc(2026, 11, 10, 11), kind="reply", parent="b1"))
    store.like("p0", "bob", now=utc(2026, 11, 12, 10))  # first seen long after p0 was fetched: counted then
    store.aggregate()
    points = store.points()
    loyalty = points[date(2026, 11, 10)]["components"]["loyalty"]
    assert (loyalty["engagers"], loyalty["returning"], loyalty["new"], loyalty["score"]) == (2, 1, 1, 50.0)
    rr11, rr12 = (points[date(2026, 11, d)]["components"]["return_rate"] for d in (11, 12))
    assert (rr11["helped"], rr11["returned"], rr11["score"]) == (1, 0, 0.0)
    assert (rr12["helped"], rr12["returned"], rr12["score"]) == (1, 1, 100.0)


def test_a_weight_change_starts_a_new_series_and_never_mixes(store_for: Callable[..., Store]) -> None:
    store = store_for()
    store.add(inbound("a1", utc(2026, 11, 17, 9)), owned("r1", utc(2026, 11, 17, 20), kind="reply", parent="a1"))
    store.score("a1", -0.4)
    store.aggregate()
    before = store.points()
    store.profile = profile_with(weights={"sentiment": 1.0})
    store.aggregate()
    after = store.points()
    assert before.keys() == after.keys()
    assert {p["formula_version"] for p in before.values()} != {p["formula_version"] for p in after.values()}
    assert all(p["used_components"] == ["sentiment"] for p in after.values() if p["daily_index"] is not None)
    with store.engine.connect() as connection:
        rows = connection.execute(select(table_of(IndexPointRow))).mappings().all()
    series = {r["formula_version"]: [] for r in rows}
    for row in rows:
        series[row["formula_version"]].append(row["parameters"]["weights"])
    assert len(series) == 2 and all(len({str(w) for w in weights}) == 1 for weights in series.values())
    assert formula_version(store.profile.index) in series


def test_changing_the_time_zone_rebuilds_the_days(store_for: Callable[..., Store]) -> None:
    store = store_for()
    store.add(inbound("a1", utc(2026, 11, 17, 23, 30)))
    store.score("a1", 0.5)
    store.aggregate()
    assert store.facts()[date(2026, 11, 18)]["positive"] == 1
    store.profile = ProfileConfig(name="acme", timezone="America/New_York")
    store.aggregate()
    facts = store.facts()
    assert facts[date(2026, 11, 17)]["positive"] == 1 and date(2026, 11, 18) not in facts


def test_recompute_since_rebuilds_only_from_that_day(store_for: Callable[..., Store], engine: Engine) -> None:
    store = store_for()
    store.add(inbound("a1", utc(2026, 11, 10, 9)), inbound("a2", utc(2026, 11, 15, 9)))
    store.score("a1", 0.5)
    store.score("a2", 0.5)
    store.aggregate()
    days = table_of(IndexDayRow)
    with engine.begin() as connection:
        connection.execute(update(days).values(positive=99))
    recompute_profile(engine, store.profile, since=utc(2026, 11, 14, 23), clock=lambda: NOW)
    facts = store.facts()
    assert facts[date(2026, 11, 10)]["positive"] == 99  # before --since: left alone
    assert facts[date(2026, 11, 15)]["positive"] == 1
    recompute_profile(engine, store.profile, clock=lambda: NOW)
    assert store.facts()[date(2026, 11, 10)]["positive"] == 1


@pytest.mark.parametrize(
    ("moment", "day", "deadline_day"),
    [
        (utc(2026, 11, 17, 22, 59), date(2026, 11, 17), date(2026, 11, 18)),  # 23:59 in Berlin
        (utc(2026, 11, 17, 23, 0), date(2026, 11, 18), date(2026, 11, 18)),  # 00:00 in Berlin
        (utc(2026, 10, 24, 22, 30), date(2026, 10, 25), date(2026, 10, 25)),  # 00:30 CEST, the 25-hour day begins
        (utc(2026, 10, 25, 22, 30), date(2026, 10, 25), date(2026, 10, 26)),  # 23:30 CET, the same day still
        (utc(2026, 3, 28, 23, 30), date(2026, 3, 29), date(2026, 3, 29)),  # 00:30 CET, the 23-hour day begins
        (utc(2026, 3, 29, 21, 30), date(2026, 3, 29), date(2026, 3, 30)),  # 23:30 CEST
    ],
)
def test_every_signal_counts_on_the_local_day(store_for: Callable[..., Store], moment: datetime, day: date,
                                              deadline_day: date) -> None:
    store = store_for(sla_hours=1)
    store.add(owned("p1", utc(2026, 1, 5, 12)), now=utc(2026, 1, 5, 12))
    store.add(inbound("m1", moment, who="alice", kind="mention", text="Love it"),
              inbound("v1", moment, who="bob", kind="review", rating=5, scale=5),
              inbound("q1", moment, who="carol", kind="post", text="Does it ship to Canada?"),
              owned("r1", moment + timedelta(seconds=30), kind="reply", parent="q1"))
    store.score("m1", 0.7)
    store.score("q1", 0.0)
    store.aggregate()
    facts = store.facts()
    assert (facts[day]["positive"], facts[day]["positive_mentions"], facts[day]["promoters"]) == (1, 1, 1)
    assert (facts[day]["engagers"], facts[day]["new_engagers"]) == (3, 3)
    assert facts[day]["helped_delta"] == 1  # carol was answered on that local day
    assert facts[deadline_day]["answered_in_time"] == 1  # counted when q1's one-hour SLA closes


def test_engagement_growth_over_the_25_hour_day(store_for: Callable[..., Store]) -> None:
    store = store_for()
    created = utc(2026, 10, 24, 12)
    store.add(owned("p1", created, likes=0, shares=0), now=utc(2026, 10, 24, 22))  # 00:00 CEST on the 25th
    store.add(owned("p1", created, likes=25, shares=0), now=utc(2026, 10, 25, 23))  # 00:00 CET on the 26th
    store.add(owned("p1", created, likes=49, shares=0), now=utc(2026, 10, 26, 23))  # a 24-hour day
    store.aggregate()
    facts = store.facts()
    assert [facts[date(2026, 10, d)]["likes"] for d in (25, 26)] == [pytest.approx(25), pytest.approx(24)]
