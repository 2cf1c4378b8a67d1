"""Windows of time for the detectors: local-midnight-aligned buckets, what they hold, and when data is complete."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, and_, func, select

from listener.storage.models import AuthorRow, ItemProfileRow, ItemRow, SentimentRow, SyncRunRow
from listener.storage.upsert import table_of
from scoring.alert_detectors import SUCCESSFUL_RUNS, SentimentBucket, SourceHealth
from scoring.sentiment import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD, SCORER_VERSION

Bounds = tuple[datetime, datetime]
TEXT_LIMIT = 280
NOT_A_VERDICT = ("running", "interrupted")  # a run still going, or cut short by a stop, says nothing


def _boundary(day: Any, hour: int, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(hour), zone).astimezone(UTC)


def bucket_start(moment: datetime, hours: int, zone: tzinfo) -> datetime:
    """Start (UTC) of the `hours`-long window holding `moment`; windows start at local midnight."""
    local = moment.astimezone(zone)
    start = _boundary(local.date(), local.hour // hours * hours, zone)
    return start if start <= moment else _boundary(local.date(), 0, zone)


def next_boundary(start: datetime, hours: int, zone: tzinfo) -> datetime:
    """The end of the window starting at `start` (23 to 25 h for a day across a DST change)."""
    local = start.astimezone(zone)
    slot = local.hour // hours * hours + hours
    day = local.date()
    while True:
        end = _boundary(day + timedelta(days=slot // 24), slot % 24, zone)
        if end > start:
            return end
        slot += hours  # a boundary in a DST gap can fall on or before the start: take the next


def closed_windows(since: datetime, until: datetime, hours: int, zone: tzinfo) -> list[Bounds]:
    """Windows that end after `since` and no later than `until`, oldest first."""
    windows: list[Bounds] = []
    start = bucket_start(since, hours, zone)
    while (end := next_boundary(start, hours, zone)) <= until:
        if end > since:
            windows.append((start, end))
        start = end
    return windows


def count_into_windows(rows: Iterable[tuple[datetime, str | None, float | None]],
                       windows: Sequence[Bounds], zone: tzinfo = UTC) -> list[SentimentBucket]:
    """Tally (created_at, status, compound) rows into windows: all items, and scored ones by polarity."""
    starts = [start for start, _ in windows]
    tallies = [[0, 0, 0, 0] for _ in windows]
    for created_at, status, compound in rows:
        index = bisect_right(starts, created_at) - 1
        if index < 0 or created_at >= windows[index][1]:
            continue
        tally = tallies[index]
        tally[3] += 1
        if status == "scored" and compound is not None:
            tally[0 if compound >= POSITIVE_THRESHOLD else 1 if compound <= NEGATIVE_THRESHOLD else 2] += 1
    return [SentimentBucket(start, end, tally[0], tally[1], tally[2], tally[3], slot=start.astimezone(zone).hour)
            for (start, end), tally in zip(windows, tallies, strict=True)]


def _inbound(profile_id: int) -> Any:
    links, items, scores = table_of(ItemProfileRow), table_of(ItemRow), table_of(SentimentRow)
    return (
        select(links.c.created_at, scores.c.status, scores.c.compound)
        .join(items, and_(items.c.platform == links.c.platform, items.c.external_id == links.c.external_id))
        .outerjoin(scores, and_(scores.c.platform == links.c.platform, scores.c.external_id == links.c.external_id,
                                scores.c.scorer_version == SCORER_VERSION))
        .where(links.c.profile_id == profile_id, links.c.role == "inbound", items.c.kind != "share")
    )


def load_windows(connection: Connection, profile_id: int, windows: Sequence[Bounds],
                 zone: tzinfo) -> list[SentimentBucket]:
    """Inbound items (shares aside) of a profile, tallied into the given windows."""
    if not windows:
        return []
    links = table_of(ItemProfileRow)
    query = _inbound(profile_id).where(links.c.created_at >= windows[0][0], links.c.created_at < windows[-1][1])
    return count_into_windows(connection.execute(query), windows, zone)


def most_negative_items(connection: Connection, profile_id: int, start: datetime, end: datetime,
                        limit: int, negative_only: bool = True) -> list[dict[str, Any]]:
    """The inbound items of a span with the lowest sentiment, with their links, for the alert's content."""
    if limit <= 0:
        return []
    links, items, scores, authors = (table_of(m) for m in (ItemProfileRow, ItemRow, SentimentRow, AuthorRow))
    query = (
        select(items.c.platform, items.c.external_id, items.c.url, items.c.text, links.c.created_at,
               scores.c.compound, authors.c.handle)
        .join(items, and_(items.c.platform == links.c.platform, items.c.external_id == links.c.external_id))
        .join(scores, and_(scores.c.platform == links.c.platform, scores.c.external_id == links.c.external_id,
                           scores.c.scorer_version == SCORER_VERSION, scores.c.status == "scored"))
        .outerjoin(authors, and_(authors.c.platform == items.c.platform,
                                 authors.c.external_id == items.c.author_external_id))
        .where(links.c.profile_id == profile_id, links.c.role == "inbound", items.c.kind != "share",
               links.c.created_at >= start, links.c.created_at < end)
        .order_by(scores.c.compound, links.c.created_at).limit(limit)
    )
    if negative_only:
        query = query.where(scores.c.compound <= NEGATIVE_THRESHOLD)
    return [{"platform": r.platform, "external_id": r.external_id, "url": r.url, "author": r.handle,
             "text": _shorten(r.text), "compound": round(r.compound, 3), "created_at": r.created_at.isoformat()}
            for r in connection.execute(query)]


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def data_complete_until(connection: Connection, sources: Sequence[str], now: datetime) -> datetime | None:
    """Items are complete up to the start of the latest successful sync of the laggiest source.

    None while a source has never synced successfully: its windows wait, so an outage is never
    read as a quiet day. With no sources (items written by other means) everything is complete.
    """
    if not sources:
        return now
    runs = table_of(SyncRunRow)
    latest = dict(connection.execute(
        select(runs.c.source, func.max(runs.c.started_at))
        .where(runs.c.source.in_(list(sources)), runs.c.status.in_(sorted(SUCCESSFUL_RUNS)))
        .group_by(runs.c.source)
    ).all())
    if any(latest.get(source) is None for source in sources):
        return None
    return min(min(latest.values()), now)


def source_health(connection: Connection, source: str) -> SourceHealth:
    """The latest finished run of a source, its last success, and the failing runs since."""
    runs = table_of(SyncRunRow)
    mine = runs.c.source == source
    last = connection.execute(
        select(runs.c.status, runs.c.error).where(mine, runs.c.status.not_in(NOT_A_VERDICT))
        .order_by(runs.c.id.desc()).limit(1)
    ).first()
    success = connection.execute(
        select(runs.c.id, runs.c.ended_at).where(mine, runs.c.status.in_(sorted(SUCCESSFUL_RUNS)))
        .order_by(runs.c.id.desc()).limit(1)
    ).first()
    since, failed = connection.execute(
        select(func.min(runs.c.started_at), func.count())
        .where(mine, runs.c.id > (success.id if success else 0),
               runs.c.status.not_in([*sorted(SUCCESSFUL_RUNS), *NOT_A_VERDICT]))
    ).one()
    return SourceHealth(source, last.status if last else None, last.error if last else None,
                        success.ended_at if success else None, since, failed)
