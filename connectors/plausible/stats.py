"""Plausible Stats API v2 (POST /api/v2/query): one row per day of visits, visitors, pageviews, bounce rate,
visit duration, and (a second query filtered to the configured goals) the visitors who converted.

Days are the site's own (Plausible reports in the site's time zone). Only aggregates are read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from connectors.errors import MalformedItemError, MalformedResponseError
from connectors.http import HttpSession, parse_json
from connectors.plausible.settings import PlausibleSettings
from connectors.site_days import SiteDay

DAY_METRICS = ("visitors", "visits", "pageviews", "bounce_rate", "visit_duration")


def _query(session: HttpSession, api_key: str, body: dict[str, Any]) -> list[tuple[date, list[Any]]]:
    reply = parse_json(session.send("POST", "/api/v2/query", json=body,
                                    headers={"Authorization": f"Bearer {api_key}"}))
    results = reply.get("results") if isinstance(reply, dict) else None
    if not isinstance(results, list):
        raise MalformedResponseError("plausible query: the body has no 'results' list")
    rows = []
    for row in results:
        try:
            rows.append((date.fromisoformat(str(row["dimensions"][0])[:10]), list(row["metrics"])))
        except (KeyError, IndexError, TypeError, ValueError):
            raise MalformedResponseError(f"plausible query: a result without a day and metrics: {row!r}") from None
    return rows


def _number(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise MalformedItemError(f"{name} is not a number >= 0: {value!r}")
    return float(value)


def site_day(day: date, metrics: list[Any], conversions: int | None) -> SiteDay:
    """A day's metrics (in DAY_METRICS order) as a SiteDay; bounce rate from percent to a share."""
    values = dict(zip(DAY_METRICS, metrics, strict=False))
    visits = _number(values.get("visits"), "visits")
    if visits is None:
        raise MalformedItemError(f"{day}: no visits")
    bounce = _number(values.get("bounce_rate"), "bounce_rate")
    visitors, pageviews = _number(values.get("visitors"), "visitors"), _number(values.get("pageviews"), "pageviews")
    return SiteDay(day, int(visits), None if visitors is None else int(visitors),
                   None if pageviews is None else int(pageviews), None if bounce is None else bounce / 100,
                   _number(values.get("visit_duration"), "visit_duration"), conversions)


def fetch_site_days(session: HttpSession, settings: PlausibleSettings, api_key: str, first: date,
                    last: date) -> tuple[list[SiteDay], list[tuple[date, str]]]:
    """Every day from first to last with data, and the days that could not be read (with why)."""
    span = [first.isoformat(), last.isoformat()]
    base = {"site_id": settings.site_id, "date_range": span, "dimensions": ["time:day"]}
    days = _query(session, api_key, {**base, "metrics": list(DAY_METRICS)})
    converted: dict[date, int] = {}
    if settings.goals:
        goal_filter = [["is", "event:goal", list(settings.goals)]]
        converted = {d: int(m[0] or 0) for d, m in _query(session, api_key, {**base, "metrics": ["visitors"],
                                                                              "filters": goal_filter})}
    found, bad = [], []
    for day, metrics in days:
        try:
            found.append(site_day(day, metrics, converted.get(day, 0) if settings.goals else None))
        except MalformedItemError as error:
            bad.append((day, str(error)))
    return found, bad
