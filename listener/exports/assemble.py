"""Assemble one profile's weekly summary from the store: bounded reads, then pure figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from listener.config.settings import ProfileConfig
from listener.exports import queries
from listener.exports.figures import (
    SlaClock,
    asks_for_answer,
    engagement_figures,
    engager_figures,
    first_replies,
    gained_counters,
    is_owned_post,
    response_figures,
    review_figures,
    sentiment_figures,
)
from listener.exports.founders import founders_ror
from listener.exports.index_summary import chart_first_day, summarise_index
from listener.exports.listing import choose_items, listed_keys, with_details
from listener.exports.model import TOTAL, IndexSummary, PlatformFigures, Provisional, WeeklySummary, Windows
from listener.exports.records import EventRecord, ItemRecord, PointRecord, ReplyRecord, SnapshotRecord
from listener.exports.weeks import IsoWeek
from listener.index.aggregate import formula_version
from scoring.business_time import BusinessHours

# Likes, shares and counter growth are read for owned posts made up to this long before the
# week: older posts are no longer refreshed by the connectors, and reading them all would
# make the cost grow with the history instead of with the week.
OWNED_LOOKBACK_DAYS = 28
LOAD_STEPS = 9  # eight reads, then the listed items' details
LATE_DATA_FIGURES = [
    "inbound_items", "likes", "shares", "replies", "quotes", "engagement", "engagement_rate",
    "positive", "negative", "neutral", "unsupported_language", "net_sentiment", "net_sentiment_change",
    "engagers", "new_engagers", "returning_engagers", "reviews", "average_stars", "nps",
]
Step = Callable[[int], None]
Key = tuple[str, str]


@dataclass
class WeekData:
    """Everything read from the store for one week."""

    items: list[ItemRecord] = field(default_factory=list)
    earlier_authors: set[Key] = field(default_factory=set)
    snapshots: list[SnapshotRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    owned_parents: set[Key] = field(default_factory=set)
    asking: set[Key] = field(default_factory=set)
    replies: list[ReplyRecord] = field(default_factory=list)
    accounts: set[Key] = field(default_factory=set)
    followers: dict[str, int] = field(default_factory=dict)
    points: list[PointRecord] = field(default_factory=list)


@dataclass(frozen=True)
class Window:
    """The week's bounds in UTC.

    UTC on purpose: Python compares and subtracts two datetimes that share a tzinfo by wall
    clock, which is an hour off across a DST change.
    """

    week: IsoWeek
    zone: ZoneInfo
    start: datetime
    end: datetime

    @classmethod
    def of(cls, week: IsoWeek, zone: ZoneInfo) -> Window:
        """The week's local-midnight bounds, as UTC."""
        start, end = week.bounds(zone)
        return cls(week, zone, start.astimezone(UTC), end.astimezone(UTC))

    @property
    def previous_start(self) -> datetime:
        """Start of the week before (local midnight; not always 168 h earlier)."""
        return self.week.previous().bounds(self.zone)[0].astimezone(UTC)

    def contains(self, moment: datetime) -> bool:
        """True when the moment falls in the week."""
        return self.start <= moment < self.end


def windows_of(profile: ProfileConfig) -> Windows:
    """The windows the figures use, from the profile's index settings."""
    index = profile.index
    return Windows(index.sla_hours, index.business_hours, index.loyalty_window_days, OWNED_LOOKBACK_DAYS,
                   index.provisional_hours)


def _noop(_: int) -> None:
    return None


def build_weekly_summary(engine: Engine, profile: ProfileConfig, week: IsoWeek, now: datetime,
                         step: Step = _noop) -> WeeklySummary:
    """The summary of `week` for `profile` as stored at `now`; an unknown profile gives an empty week."""
    window = Window.of(week, profile.zone)
    with engine.connect() as connection:
        profile_id = queries.find_profile_id(connection, profile.name)
        data = WeekData()
        if profile_id is None:
            step(LOAD_STEPS - 1)
            summary = summarise(data, profile, window, now)
        else:
            data = load_week(connection, profile_id, profile, window, step)
            before = Window.of(week.previous(), profile.zone)
            previous = summarise(load_week(connection, profile_id, profile, before, _noop), profile, before, now)
            summary = replace(summarise(data, profile, window, now), previous_total=previous.total)
        details = queries.fetch_details(connection, listed_keys(summary))
    step(1)
    founders = founders_ror(engine, profile, window.end, now, summary.index)
    return with_details(replace(summary, ror_percent=founders), details)


def load_week(connection: Connection, profile_id: int, profile: ProfileConfig, window: Window, step: Step) -> WeekData:
    """Read the week, the week before and the lookback windows; `step(1)` after each of the eight reads."""
    start, end, week, windows = window.start, window.end, window.week, windows_of(profile)
    owned_since = start - timedelta(days=OWNED_LOOKBACK_DAYS)
    data = WeekData()
    data.items = queries.fetch_items(connection, profile_id, window.previous_start, end)
    step(1)
    data.earlier_authors = queries.fetch_inbound_authors(
        connection, profile_id, start - timedelta(days=windows.engager_lookback_days), start)
    step(1)
    data.snapshots = queries.fetch_owned_snapshots(connection, profile_id, owned_since, end)
    step(1)
    data.events = queries.fetch_owned_events(connection, profile_id, owned_since, end)
    step(1)
    data.accounts = queries.fetch_owned_accounts(connection, profile_id)
    data.followers = queries.fetch_followers(connection, data.accounts, week.sunday)
    step(1)
    # Owned = written by one of the profile's accounts, looked up by the items' unique key.
    week_inbound = [i for i in data.items if i.role == "inbound" and window.contains(i.created_at)]
    parents = queries.fetch_authors(connection, [(i.platform, i.parent) for i in week_inbound if i.parent])
    data.owned_parents = {key for key, author in parents.items() if (key[0], author) in data.accounts}
    step(1)
    data.asking = {i.key for i in week_inbound if asks_for_answer(i, data.owned_parents)}
    data.replies = queries.fetch_replies_by(connection, sorted(data.asking), data.accounts)
    step(1)
    first_day = min(chart_first_day(week, profile.exports.chart_weeks), week.previous().monday)
    data.points = queries.fetch_points(connection, profile_id, formula_version(profile.index), first_day, week.sunday)
    step(1)
    return data


def sla_clock(profile: ProfileConfig) -> SlaClock:
    """The index's SLA: hours, in business hours when configured."""
    index = profile.index
    business = BusinessHours.parse(index.business_hours, index.business_days) if index.business_hours else None
    return SlaClock(index.sla_hours, profile.zone, business)


def summarise(data: WeekData, profile: ProfileConfig, window: Window, now: datetime) -> WeeklySummary:
    """Every figure of the week, per platform and in total; listed items still without their details."""
    settings, windows = profile.exports, windows_of(profile)
    days = set(window.week.days())
    gained = {p: gained_counters([s for s in data.snapshots if s.platform == p], profile.zone, days)
              for p in _platforms(data, window)}
    total = _platform_figures(data, None, window, now, profile,
                              [sum(v) for v in zip(*gained.values(), strict=True)] or [0.0] * 4)
    index = summarise_index(data.points, window.week, settings.chart_weeks, formula_version(profile.index))
    week_items = [i for i in data.items if window.contains(i.created_at)]
    top, positive, negative = choose_items(week_items, data.snapshots, data.followers, now, settings.top_items)
    return WeeklySummary(
        profile=profile.name, timezone=profile.timezone, week=window.week, start=window.start, end=window.end,
        generated_at=now, total=total, index=index,
        platforms=[_platform_figures(data, p, window, now, profile, gained[p]) for p in sorted(gained)],
        top_owned_posts=top, most_positive=positive, most_negative=negative,
        provisional=provisional_figures(window, windows, profile.timezone, total, index, now), windows=windows,
    )


def _platforms(data: WeekData, window: Window) -> set[str]:
    found = {i.platform for i in data.items if window.contains(i.created_at)}
    found |= {s.platform for s in data.snapshots} | {a[0] for a in data.accounts}
    return found


def _platform_figures(data: WeekData, platform: str | None, window: Window, now: datetime,
                      profile: ProfileConfig, gained: list[float]) -> PlatformFigures:
    """One platform's figures (None = every platform, the total), `gained` being its engagement counters."""
    def mine(p: str) -> bool:
        return platform is None or p == platform

    week = [i for i in data.items if mine(i.platform) and window.contains(i.created_at)]
    previous = [i for i in data.items if mine(i.platform) and i.created_at < window.start]
    followers = [n for p, n in data.followers.items() if mine(p)]
    asking = [i for i in week if i.key in data.asking]
    return PlatformFigures(
        platform=platform or TOTAL,
        owned_posts=sum(is_owned_post(i) for i in week),
        owned_replies=sum(i.role == "owned" and i.kind == "reply" for i in week),
        inbound_items=sum(i.role == "inbound" for i in week),
        engagement=engagement_figures(gained, sum(followers) if followers else None),
        sentiment=sentiment_figures(week, previous),
        engagers=engager_figures(*_engagers(data, mine, window, profile.index.loyalty_window_days)),
        responses=response_figures(asking, first_replies(data.replies, now), sla_clock(profile), now),
        reviews=review_figures(week),
    )


def _engagers(data: WeekData, mine: Callable[[str], bool], window: Window,
              lookback_days: int) -> tuple[set[Key], set[Key]]:
    """(engagers in the week, engagers in the lookback before it), the profile's own accounts left out."""
    lookback_start = window.start - timedelta(days=lookback_days)
    week = {(i.platform, i.author) for i in data.items
            if i.role == "inbound" and i.author and window.contains(i.created_at)}
    earlier = set(data.earlier_authors)
    for event in data.events:
        if window.contains(event.at):
            week.add((event.platform, event.actor))
        elif lookback_start <= event.at < window.start:
            earlier.add((event.platform, event.actor))
    keep = {e for e in week if mine(e[0]) and e not in data.accounts}
    return keep, {e for e in earlier if mine(e[0])}


def provisional_figures(window: Window, windows: Windows, timezone: str, total: PlatformFigures,
                        index: IndexSummary, now: datetime) -> Provisional:
    """Which figures can still change at `now` (by their CSV column names), and a sentence for each reason."""
    figures: list[str] = []
    notes: list[str] = []
    late_until = window.end + timedelta(hours=windows.provisional_hours)
    if now < late_until:
        figures += LATE_DATA_FIGURES
        notes.append("Late data can still arrive until "
                     f"{late_until.astimezone(window.zone):%a %d %b %Y %H:%M} ({timezone}): "
                     "engagement, inbound items, sentiment, engagers and reviews may still change.")
    if total.responses.pending:
        figures += ["pending_answer", "response_rate", "median_response_minutes"]
        notes.append(f"{total.responses.pending} item(s) are still inside their {windows.response_sla_hours:g} h "
                     "answer window: the response rate will change.")
    open_days = [m.day for m in index.series if m.provisional and m.day >= window.week.monday]
    if open_days:
        figures += ["index_end", "index_change"]
        notes.append("Index days still open to late data: " + ", ".join(d.isoformat() for d in open_days) + ".")
    return Provisional(figures, notes)
