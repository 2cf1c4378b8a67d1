"""The fixed export dataset (a Berlin brand's ISO week 2026-W43, which ends with the autumn DST change),
and the weekly figures assembled from it, checked against values computed by hand."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from connectors.base import Author, Counters, Item, Page
from listener.config.settings import ProfileConfig
from listener.exports import IsoWeek, WeeklySummary, build_weekly_summary
from listener.index.aggregate import formula_version
from listener.storage.engine import open_database
from listener.storage.models import EngagementEventRow, FollowerCountRow, IndexPointRow, SentimentRow
from listener.storage.store import ensure_profile, save_owned_account, save_page
from listener.storage.upsert import upsert_rows
from scoring.sentiment import SCORER_VERSION

WEEK = IsoWeek(2026, 43)  # Mon 19 Oct 00:00 CEST .. Mon 26 Oct 00:00 CET: 169 hours
EXPORT_NOW = datetime(2026, 10, 26, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin, the default cron
XSS_TEXT = ('<script>document.title="XSS"</script>'
            '<img src=x onerror="document.body.setAttribute(\'data-xss\',\'ran\')">'
            ' awful [click](javascript:alert(1)) | pipe')
XSS_HANDLE = 'mallory"><svg onload="document.title=\'XSS2\'">'
FORMULA_TEXT = '=HYPERLINK("http://evil.example","win") great deal'


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A UTC moment in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def profile_config(chart_weeks: int = 4, timezone: str = "Europe/Berlin") -> ProfileConfig:
    """The dataset's profile."""
    return ProfileConfig.model_validate({"name": "acme", "timezone": timezone, "exports": {"chart_weeks": chart_weeks}})


NO_COUNTERS = Counters()
BRAND = {"mastodon": Author("mastodon", "m:acme", "acme@coffee.example", followers=1000),
         "bluesky": Author("bluesky", "b:acme", "acme.bsky.social", followers=500)}


def person(platform: str, name: str) -> Author:
    """A customer."""
    return Author(platform, f"{platform[0]}:{name}", name)


def item(platform: str, key: str, kind: str, author: Author, at: datetime, text: str = "", *,
         parent: str | None = None, counters: Counters = NO_COUNTERS, rating: float | None = None,
         url: str | None = None) -> Item:
    """An Item of the dataset; owned when the author is the brand."""
    role = "owned" if author == BRAND.get(platform) else "inbound"
    prefix = platform[0]
    return Item(platform, f"{prefix}:{key}", kind, role, author, text, at,  # type: ignore[arg-type]
                url=url if url is not None else f"https://{platform}.example/{key}",
                parent_external_id=f"{prefix}:{parent}" if parent else None, counters=counters,
                rating=rating, rating_scale=5 if rating is not None else None)


def _m(key: str, kind: str, who: str, at: datetime, text: str = "", **extra: Any) -> Item:
    author = BRAND["mastodon"] if who == "acme" else person("mastodon", who)
    return item("mastodon", key, kind, author, at, text, **extra)


# (item, compound or status) for inbound items with text; compounds are fixed so the goldens
# do not move when the scorer's clean-up rules change.
INBOUND: list[tuple[Item, float | str]] = [
    (_m("i1", "reply", "alice", utc(10, 19, 9), "Love it, best coffee ever!", parent="p1"), 0.85),
    (_m("i2", "reply", "bob", utc(10, 19, 10), "When will it ship to Austria?", parent="p1"), 0.0),
    (_m("i3", "mention", "carol", utc(10, 20, 7), "@acme my grinder broke after two days, terrible"), -0.75),
    (item("mastodon", "i4", "reply", Author("mastodon", "m:mallory", XSS_HANDLE), utc(10, 22, 15), XSS_TEXT,
          parent="p1", url="javascript:alert(1)"), -0.6),
    (_m("i5", "mention", "eve", utc(10, 23, 10), FORMULA_TEXT), 0.4),
    (_m("i6", "reply", "frank", utc(10, 24, 11), "+1 555 0100 call me, so happy", parent="i1"), 0.7),
    (_m("i7", "post", "gina", utc(10, 25, 22, 30), "@everyone this is sad #acmecoffee"), -0.3),  # Sun 23:30 CET
    (_m("i8", "reply", "alice", utc(10, 25, 23, 10), "Next week already, still good", parent="p2"),  # Mon 00:10 CET
     0.5),
    (_m("i9", "reply", "alice", utc(10, 18, 21, 55), "Previous week complaint, bad", parent="p0"),  # Sun 23:55 CEST
     -0.8),
    (_m("i10", "reply", "hank", utc(10, 18, 22, 5), "-2 stars, meh, disappointing", parent="p1"),  # Mon 00:05 CEST
     -0.1),
    (_m("i11", "mention", "ida", utc(10, 21, 9), "Der Kaffee ist gut"), "unsupported_language"),
    (_m("i12", "mention", "jack", utc(10, 25, 20), "Is the shop open on Sunday?"), 0.0),
    (_m("i13", "reply", "mike", utc(10, 14, 10), "great stuff", parent="p0"), 0.6),
    (_m("i14", "mention", "nina", utc(10, 15, 9), "@acme good morning, good beans"), 0.3),
    (item("bluesky", "bi1", "reply", person("bluesky", "kate"), utc(10, 21, 14), "nice!", parent="p1"), 0.5),
    (item("appstore", "r1", "review", person("appstore", "olga"), utc(10, 20, 12), "Five stars, lovely", rating=5),
     0.8),
    (item("appstore", "r2", "review", person("appstore", "pete"), utc(10, 22, 12), "Broke quickly", rating=2), -0.5),
    (item("appstore", "r3", "review", person("appstore", "quin"), utc(9, 1, 12), "Fine app", rating=4), 0.3),
]
OWNED_REPLIES = [  # the brand's answers: to i2 in 2.5 h, to i3 in 26 h (late), to i10 in about 8 h
    _m("a1", "reply", "acme", utc(10, 19, 12, 30), "Next month!", parent="i2"),
    _m("a2", "reply", "acme", utc(10, 21, 9), "So sorry, DM us", parent="i3"),
    _m("a3", "reply", "acme", utc(10, 19, 6), "Thanks for the feedback", parent="i10"),
]
SHARE = item("bluesky", "bs1", "share", person("bluesky", "leo"), utc(10, 21, 15), parent="p1")


def _posts(counts: dict[str, tuple[int, int, int, int]], fetched: datetime) -> list[Item]:
    texts = {"p0": "Old post from the week before last", "p1": "New autumn blend is here! Tell us what you think.",
             "p2": "Weekend opening hours <b>changed</b>", "bp1": "Hello Bluesky"}
    created = {"p0": utc(10, 10, 12), "p1": utc(10, 19, 8), "p2": utc(10, 24, 18), "bp1": utc(10, 21, 12)}
    posts = []
    for key, (likes, shares, replies, quotes) in counts.items():
        platform, name = ("bluesky", "p1") if key == "bp1" else ("mastodon", key)
        posts.append(item(platform, name, "post", BRAND[platform], created[key], texts[key],
                          counters=Counters(likes, shares, replies, quotes)))
    return [p for p in posts if p.created_at <= fetched]


# Counter snapshots: each sync sees the owned posts' counters at that moment.
SYNCS: list[tuple[datetime, dict[str, tuple[int, int, int, int]]]] = [
    (utc(10, 10, 12), {"p0": (50, 5, 4, 0)}),
    (utc(10, 19, 20), {"p0": (55, 5, 4, 0), "p1": (10, 2, 3, 0)}),
    (utc(10, 21, 8), {"p0": (60, 6, 4, 0), "p1": (30, 5, 6, 1)}),
    (utc(10, 21, 13), {"bp1": (5, 0, 0, 0)}),
    (utc(10, 22, 13), {"bp1": (9, 1, 1, 0)}),
    (utc(10, 24, 20), {"p1": (36, 6, 7, 1), "p2": (4, 1, 1, 0)}),
    (utc(10, 25, 21), {"p1": (38, 6, 8, 1), "p2": (10, 2, 2, 0), "bp1": (10, 1, 1, 0)}),  # Sun 22:00 CET
    (utc(10, 26, 6), {"p1": (40, 6, 8, 1), "p2": (12, 2, 2, 0), "bp1": (11, 1, 1, 0)}),
]


def _save(connection: Any, profile_id: int, items: list[Item], now: datetime) -> None:
    save_page(connection, profile_id, "test", "test", Page(items=items), now)


def _save_sentiment(connection: Any, now: datetime) -> None:
    rows = []
    for saved, score in INBOUND:
        status, compound = (score, None) if isinstance(score, str) else ("scored", score)
        rows.append({"platform": saved.platform, "external_id": saved.external_id, "scorer_version": SCORER_VERSION,
                     "status": status, "compound": compound, "language": "de" if compound is None else "en",
                     "language_source": "platform", "scored_at": now})
    upsert_rows(connection, SentimentRow, rows, ["platform", "external_id", "scorer_version"])


def _save_events(connection: Any) -> None:
    rows = [  # oscar's like came with the backfill of p1 (placed at p1's creation); alice's was seen later
        ("mastodon", "m:p1", "m:oscar", "like", None, utc(10, 19, 20)),
        ("mastodon", "m:p1", "m:alice", "like", None, utc(10, 21, 8)),
        ("mastodon", "m:p0", "m:paul", "like", None, utc(10, 10, 12)),
        ("mastodon", "m:p1", "m:acme", "like", None, utc(10, 21, 8)),  # the brand itself: not an engager
        ("bluesky", "b:p1", "b:kate", "like", utc(10, 22, 10), utc(10, 22, 13)),
    ]
    upsert_rows(connection, EngagementEventRow, [
        {"platform": p, "item_external_id": i, "actor_external_id": a, "kind": k, "occurred_at": o, "first_seen_at": s}
        for p, i, a, k, o, s in rows], ["platform", "item_external_id", "actor_external_id", "kind"])


def _save_followers(connection: Any) -> None:
    rows = [("mastodon", "m:acme", date(2026, 10, 20), 1000), ("mastodon", "m:acme", date(2026, 10, 25), 1040),
            ("mastodon", "m:acme", date(2026, 10, 26), 1100), ("bluesky", "b:acme", date(2026, 10, 21), 500)]
    upsert_rows(connection, FollowerCountRow, [
        {"platform": p, "author_external_id": a, "observed_on": d, "observed_at": utc(d.month, d.day, 12),
         "followers": n}
        for p, a, d, n in rows], ["platform", "author_external_id", "observed_on"], ["followers"])


def index_point(day: date) -> dict[str, Any]:
    """A deterministic stored point: sentiment and engagement daily, loyalty on weekdays, a sentiment dip."""
    t = (day - date(2026, 9, 1)).days
    sentiment = 62 + 8 * math.sin(t / 3) - (18 if date(2026, 10, 20) <= day <= date(2026, 10, 22) else 0)
    engagement = 50 + 10 * math.cos(t / 4)
    components: dict[str, Any] = {"sentiment": {"score": round(sentiment, 3), "net": 0.1, "positive": 3},
                                  "engagement": {"score": round(engagement, 3), "rate": 0.01}}
    if day.weekday() < 5:
        components["loyalty"] = {"score": round(40 + t % 11, 3), "returning": 2, "engagers": 5}
    loyalty = 0.10 * components["loyalty"]["score"] if "loyalty" in components else 0
    daily = (0.25 * sentiment + 0.15 * engagement + loyalty) / (0.5 if "loyalty" in components else 0.4)
    return {"day": day, "components": components, "daily_index": round(daily, 3), "coverage": 0.5,
            "running_index": round(55 + 5 * math.sin(t / 9) - (4 if day >= date(2026, 10, 20) else 0), 3),
            "provisional": day >= date(2026, 10, 24)}


def _save_points(connection: Any, profile_id: int, profile: ProfileConfig) -> None:
    days = [date(2026, 9, 14) + timedelta(days=i) for i in range(42)]  # up to Sun 25 Oct
    rows = [{**index_point(d), "profile_id": profile_id, "formula_version": formula_version(profile.index),
             "parameters": {}, "computed_at": EXPORT_NOW} for d in days if d != date(2026, 10, 3)]  # a gap
    upsert_rows(connection, IndexPointRow, rows, ["profile_id", "day", "formula_version"])


def build_dataset(engine: Engine, profile: ProfileConfig | None = None) -> ProfileConfig:
    """Store the whole fixed dataset; returns the profile it belongs to."""
    profile = profile or profile_config()
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, profile.name, profile.timezone)
        for account in BRAND.values():
            save_owned_account(connection, profile_id, "test", account)
        for now, counts in SYNCS:
            _save(connection, profile_id, _posts(counts, now), now)
        _save(connection, profile_id, [i for i, _ in INBOUND] + OWNED_REPLIES + [SHARE], utc(10, 26, 6))
        _save_sentiment(connection, EXPORT_NOW)
        _save_events(connection)
        _save_followers(connection)
        _save_points(connection, profile_id, profile)
    return profile


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, ProfileConfig]]:
    """A real SQLite file holding the dataset, shared by a module's tests (they only read it)."""
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('exports') / 'ror.db'}")
    yield engine, build_dataset(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def summary(dataset: tuple[Engine, ProfileConfig]) -> WeeklySummary:
    engine, profile = dataset
    return build_weekly_summary(engine, profile, WEEK, EXPORT_NOW)


def platform(summary: WeeklySummary, name: str) -> Any:
    return next(p for p in summary.platforms if p.platform == name)


def test_week_bounds_follow_berlin_midnight_across_the_dst_change(summary: WeeklySummary) -> None:
    assert summary.start == datetime(2026, 10, 18, 22, tzinfo=UTC)
    assert summary.end == datetime(2026, 10, 25, 23, tzinfo=UTC)
    assert summary.end - summary.start == timedelta(hours=169)


def test_items_at_the_local_week_edges_land_in_the_right_week(summary: WeeklySummary) -> None:
    mastodon = platform(summary, "mastodon")
    # in: i1..i7, i10, i11, i12 (i10 at 00:05 Monday CEST, i7 at 23:30 Sunday CET); out: i8, i9, i13, i14
    assert mastodon.inbound_items == 10
    assert mastodon.owned_posts == 2 and mastodon.owned_replies == 3


def test_net_sentiment_and_its_change_from_the_week_before(summary: WeeklySummary) -> None:
    s = platform(summary, "mastodon").sentiment
    # positive: i1 .85, i5 .4, i6 .7; negative: i3, i4, i7, i10; neutral: i2, i12; i11 unsupported
    assert (s.positive, s.negative, s.neutral, s.unsupported_language) == (3, 4, 2, 1)
    assert s.net == pytest.approx(-1 / 7, abs=1e-4)
    # week before: i9 -0.8, i13 +0.6, i14 +0.3 -> (2 - 1) / 3
    assert s.net_previous_week == pytest.approx(1 / 3, abs=1e-4)
    assert s.net_change == pytest.approx(-1 / 7 - 1 / 3, abs=1e-3)


def test_responsiveness_uses_the_needs_an_answer_rule_and_the_sla(summary: WeeklySummary) -> None:
    r = platform(summary, "mastodon").responses
    # needs an answer: i2 (question), i3 (mention), i4 (negative reply to p1), i5 (mention),
    # i10 (negative reply), i11 (mention), i12 (mention, question); i6 replies to a customer, i7 is not negative enough
    assert r.needs_answer == 7
    assert (r.answered_within_sla, r.answered_late, r.unanswered, r.pending) == (2, 1, 3, 1)
    assert r.rate == pytest.approx(2 / 6, abs=1e-4)
    assert r.median_minutes == pytest.approx(475.0)  # 150, 475 and 1560 minutes


def test_engagement_gained_during_the_week_and_its_rate(summary: WeeklySummary) -> None:
    bluesky = platform(summary, "bluesky").engagement
    # bp1: 5 likes on its creation day; +4 likes, +1 share, +1 reply, then +1 like between in-week
    # snapshots; +1 like between Sun 22:00 CET and Mon 07:00 CET, of which 2 of 9 hours fall in the week
    assert (bluesky.likes, bluesky.shares, bluesky.replies, bluesky.quotes) == (10, 1, 1, 0)
    assert bluesky.followers == 500
    assert bluesky.rate == pytest.approx((5 + 6 + 1 + 2 / 9) / 500, abs=1e-6)
    mastodon = platform(summary, "mastodon").engagement
    assert mastodon.followers == 1040  # the count on the week's last day, not Monday's 1100


def test_new_and_returning_engagers(summary: WeeklySummary) -> None:
    e = platform(summary, "mastodon").engagers
    # week: alice, bob, carol, mallory, eve, frank, gina, hank, ida, jack, oscar (like); alice also engaged
    # the week before (i9), so she returns; the brand's own like is not an engager
    assert (e.total, e.returning, e.new) == (11, 1, 10)


def test_reviews_count_stars_and_nps_of_the_week(summary: WeeklySummary) -> None:
    r = platform(summary, "appstore").reviews
    assert (r.count, r.average_stars) == (2, 3.5)
    assert r.nps == 0.0  # one promoter (5 stars), one detractor (2 stars); r3 (September) is not this week's


def test_index_start_end_and_component_changes(summary: WeeklySummary) -> None:
    index = summary.index
    assert index.start and index.start.day == date(2026, 10, 18)  # the eve of the week
    assert index.end and index.end.day == date(2026, 10, 25)
    assert [c.name for c in index.components] == ["sentiment", "engagement", "loyalty"]
    # loyalty has no score on weekends: its start and end are its latest weekday scores
    loyalty = next(c for c in index.components if c.name == "loyalty")
    assert loyalty.start == index_point(date(2026, 10, 16))["components"]["loyalty"]["score"]
    assert loyalty.end == index_point(date(2026, 10, 23))["components"]["loyalty"]["score"]
    assert index.series[0].day == date(2026, 9, 21) and index.series[-1].day == date(2026, 10, 25)


def test_lists_of_items(summary: WeeklySummary) -> None:
    assert [i.external_id for i in summary.top_owned_posts] == ["m:p1", "m:p2", "b:p1"]
    assert [i.external_id for i in summary.most_positive][:2] == ["m:i1", "a:r1"]
    assert summary.most_negative[0].external_id == "m:i3"
    assert summary.most_negative[0].author == "carol"
    p1 = summary.top_owned_posts[0]
    assert p1.engagement == 55 and p1.rate_48h == pytest.approx((30 + 5 + 6 + 1) / 1040, abs=1e-6)


def test_which_numbers_are_provisional(summary: WeeklySummary) -> None:
    figures = summary.provisional.figures
    assert "likes" in figures and "response_rate" in figures and "index_end" in figures
    assert any("1 item(s) are still inside" in n for n in summary.provisional.notes)


def test_an_unknown_profile_or_a_quiet_week_is_empty_not_an_error(dataset: tuple[Engine, ProfileConfig]) -> None:
    engine, profile = dataset
    quiet = build_weekly_summary(engine, profile, IsoWeek(2025, 10), EXPORT_NOW)
    assert quiet.empty and quiet.total.inbound_items == 0 and quiet.index.end is None
    stranger = build_weekly_summary(engine, profile_config().model_copy(update={"name": "nobody"}), WEEK, EXPORT_NOW)
    assert stranger.empty and stranger.platforms == []

