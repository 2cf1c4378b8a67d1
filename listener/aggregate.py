"""The aggregator: read a profile's stored items, compute daily signals and the running index, store them."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, and_, select

from connectors.http import Clock, utc_now
from listener.config import IndexConfig, ProfileConfig
from listener.storage.models import (
    AccountRow,
    CounterSnapshotRow,
    FollowerCountRow,
    IndexPointRow,
    ItemProfileRow,
    ItemRow,
    SentimentRow,
)
from listener.storage.store import ensure_profile
from listener.storage.upsert import table_of, upsert_rows
from scoring.index import (
    FORMULA_VERSION,
    daily_index,
    ewma_step,
    parameters_digest,
    relative_component,
    sentiment_component,
)
from scoring.sentiment import SCORER_VERSION
from scoring.signals import (
    CounterObservation,
    attribute_growth,
    count_sentiment,
    followers_on,
    local_day,
    shrink_net_sentiment,
    trailing_median,
)

PROVISIONAL_HOURS = 48
IMPLEMENTED_COMPONENTS = ("sentiment", "engagement")


@dataclass
class ProfileData:
    """What the aggregator needs of one profile, grouped by local day."""

    compounds: dict[date, list[float | None]] = field(default_factory=lambda: defaultdict(list))
    unsupported: dict[date, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    engagement: dict[date, float] = field(default_factory=lambda: defaultdict(float))
    followers: dict[date, int] = field(default_factory=dict)
    first_day: date | None = None


def formula_parameters(index: IndexConfig) -> dict[str, Any]:
    """Everything that changes what the index means; stored with each point."""
    return {
        "formula": FORMULA_VERSION, "weights": index.weights, "half_life_days": index.half_life_days,
        "baseline_days": index.baseline_days, "sentiment_pseudo_count": index.sentiment_pseudo_count,
        "scorer_version": SCORER_VERSION, "components": list(IMPLEMENTED_COMPONENTS),
    }


def formula_version(index: IndexConfig) -> str:
    """The series name: formula version plus a digest of its parameters."""
    return f"{FORMULA_VERSION}:{parameters_digest(formula_parameters(index))}"


def _load_sentiment(connection: Connection, profile_id: int, zone: ZoneInfo, data: ProfileData) -> None:
    links, items, scores = table_of(ItemProfileRow), table_of(ItemRow), table_of(SentimentRow)
    rows = connection.execute(
        select(links.c.created_at, scores.c.status, scores.c.compound, scores.c.language)
        .join(items, and_(items.c.platform == links.c.platform, items.c.external_id == links.c.external_id))
        .join(scores, and_(scores.c.platform == links.c.platform, scores.c.external_id == links.c.external_id,
                           scores.c.scorer_version == SCORER_VERSION))
        .where(links.c.profile_id == profile_id, links.c.role == "inbound", items.c.kind != "share")
    )
    for created_at, status, compound, language in rows:
        day = local_day(created_at, zone)
        if status == "scored":
            data.compounds[day].append(compound)
        elif status == "unsupported_language":
            data.unsupported[day][language or "?"] += 1


def _load_engagement(connection: Connection, profile_id: int, zone: ZoneInfo, data: ProfileData) -> None:
    links, snaps = table_of(ItemProfileRow), table_of(CounterSnapshotRow)
    rows = connection.execute(
        select(snaps.c.platform, snaps.c.external_id, links.c.created_at, snaps.c.observed_at,
               snaps.c.likes, snaps.c.shares, snaps.c.replies, snaps.c.quotes)
        .join(links, and_(links.c.platform == snaps.c.platform, links.c.external_id == snaps.c.external_id))
        .where(links.c.profile_id == profile_id, links.c.role == "owned")
        .order_by(snaps.c.platform, snaps.c.external_id, snaps.c.observed_at)
    )
    per_item: dict[tuple[str, str], tuple[datetime, list[CounterObservation]]] = {}
    for platform, external_id, created_at, observed_at, *counts in rows:
        entry = per_item.setdefault((platform, external_id), (created_at, []))
        entry[1].append(CounterObservation(observed_at, sum(c or 0 for c in counts)))
    for created_at, observations in per_item.values():
        for day, gained in attribute_growth(created_at, observations, zone).items():
            data.engagement[day] += gained


def _load_followers(connection: Connection, profile_id: int, data: ProfileData) -> None:
    accounts, counts = table_of(AccountRow), table_of(FollowerCountRow)
    rows = connection.execute(
        select(counts.c.author_external_id, counts.c.observed_on, counts.c.followers)
        .join(accounts, and_(accounts.c.platform == counts.c.platform,
                             accounts.c.external_id == counts.c.author_external_id))
        .where(accounts.c.profile_id == profile_id)
    )
    per_account: dict[str, dict[date, int]] = defaultdict(dict)
    for account, observed_on, followers in rows:
        per_account[account][observed_on] = followers
    days = sorted({d for history in per_account.values() for d in history})
    data.followers = {d: sum(followers_on(d, h) or 0 for h in per_account.values()) for d in days}


def load_profile_data(connection: Connection, profile_id: int, zone: ZoneInfo) -> ProfileData:
    """Read everything the first-slice signals need, grouped by local day."""
    data = ProfileData()
    _load_sentiment(connection, profile_id, zone, data)
    _load_engagement(connection, profile_id, zone, data)
    _load_followers(connection, profile_id, data)
    links = table_of(ItemProfileRow)
    first = connection.execute(
        select(links.c.created_at).where(links.c.profile_id == profile_id).order_by(links.c.created_at).limit(1)
    ).scalar_one_or_none()
    data.first_day = local_day(first, zone) if first else None
    return data


def compute_points(data: ProfileData, index: IndexConfig, today: date, now: datetime,
                   zone: ZoneInfo) -> list[dict[str, Any]]:
    """Daily points from the first day with data to today: components, daily and running index."""
    if data.first_day is None:
        return []
    rates = _engagement_rates(data)
    points, prior, running, last_day = [], 0.0, None, None
    day = data.first_day
    while day <= today:
        sentiment = _sentiment_inputs(data, day, prior, index.sentiment_pseudo_count)
        if sentiment.get("net_shrunk") is not None:
            prior = sentiment["net_shrunk"]
        engagement = _engagement_inputs(rates, data, day, index.baseline_days)
        components = {"sentiment": sentiment, "engagement": engagement}
        result = daily_index({k: v.get("score") for k, v in components.items()}, index.weights)
        if result.value is not None:
            days_since = (day - last_day).days if last_day else 1
            running, last_day = ewma_step(running, result.value, days_since, index.half_life_days), day
        day_end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
        points.append({
            "day": day, "components": components, "coverage": result.coverage,
            "daily_index": result.value, "running_index": running,
            "provisional": now < day_end + timedelta(hours=PROVISIONAL_HOURS),
        })
        day += timedelta(days=1)
    return points


def _sentiment_inputs(data: ProfileData, day: date, prior: float, pseudo: float) -> dict[str, Any]:
    counts = count_sentiment(data.compounds.get(day, []))
    shrunk = shrink_net_sentiment(counts, prior, pseudo)
    return {
        "score": sentiment_component(shrunk) if shrunk is not None else None,
        "net": counts.net, "net_shrunk": shrunk, "prior": prior, "positive": counts.positive,
        "negative": counts.negative, "neutral": counts.neutral, "mean_compound": counts.mean_compound,
        "unsupported_language": dict(data.unsupported.get(day, {})),
    }


def _engagement_rates(data: ProfileData) -> dict[date, float]:
    rates = {}
    for day, gained in data.engagement.items():
        followers = followers_on(day, data.followers)
        if followers:
            rates[day] = gained / followers
    return rates


def _engagement_inputs(rates: dict[date, float], data: ProfileData, day: date, window: int) -> dict[str, Any]:
    rate = rates.get(day)  # no engagement recorded that day: no component, not a zero
    baseline = trailing_median(rates, day, window)
    score = relative_component(rate, baseline) if rate is not None and baseline is not None else None
    return {"score": score, "rate": rate, "baseline": baseline,
            "engagement": round(data.engagement.get(day, 0.0), 3),
            "followers": followers_on(day, data.followers)}


def aggregate_profile(engine: Engine, profile: ProfileConfig, *, clock: Clock = utc_now) -> int:
    """Recompute and store every daily point of one profile; returns the number of points."""
    now = clock()
    zone = profile.zone
    version, parameters = formula_version(profile.index), formula_parameters(profile.index)
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, profile.name, profile.timezone)
        data = load_profile_data(connection, profile_id, zone)
        points = compute_points(data, profile.index, local_day(now, zone), now, zone)
        rows = [{**p, "profile_id": profile_id, "formula_version": version,
                 "parameters": parameters, "computed_at": now} for p in points]
        upsert_rows(connection, IndexPointRow, rows, ["profile_id", "day", "formula_version"],
                    ["parameters", "components", "coverage", "daily_index", "running_index",
                     "provisional", "computed_at"])
    return len(points)
