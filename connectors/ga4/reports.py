"""GA4 Data API `properties/{id}:runReport` with the `date` dimension: one row per day of sessions, users,
page views, bounce rate, mean session length and key events, paged by offset and limit.

GA4 sends every value as a string and the day as YYYYMMDD, in the property's own time zone. Only aggregates
are read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from connectors.errors import AuthError, MalformedItemError, MalformedResponseError
from connectors.ga4.auth import AccessTokens
from connectors.ga4.settings import Ga4Settings
from connectors.http import HttpSession, parse_json
from connectors.site_days import SiteDay

DAY_METRICS = ("sessions", "totalUsers", "screenPageViews", "bounceRate", "averageSessionDuration", "keyEvents")


def _number(values: dict[str, str], name: str, *, whole: bool) -> float | None:
    text = values.get(name)
    if text is None:
        return None
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise MalformedItemError(f"{name} is not a number: {text!r}") from None
    if value < 0 or value != value or (whole and not value.is_integer()):
        raise MalformedItemError(f"{name} is not a {'count' if whole else 'number >= 0'}: {text!r}")
    return value


def site_day(day: date, values: dict[str, str]) -> SiteDay:
    """A day's metric values (by GA4 metric name, as strings) as a SiteDay; sessions are the visits."""
    counts = {name: _number(values, name, whole=True)
              for name in ("sessions", "totalUsers", "screenPageViews", "keyEvents")}
    sessions = counts["sessions"]
    if not sessions:
        raise MalformedItemError(f"{day}: no sessions")

    def whole(name: str) -> int | None:
        value = counts[name]
        return None if value is None else int(value)

    return SiteDay(day, int(sessions), whole("totalUsers"), whole("screenPageViews"),
                   _number(values, "bounceRate", whole=False), _number(values, "averageSessionDuration", whole=False),
                   whole("keyEvents"))


def report_body(first: date, last: date, offset: int, limit: int) -> dict[str, Any]:
    """The runReport request for days first..last, rows offset..offset+limit, oldest day first."""
    return {"dateRanges": [{"startDate": first.isoformat(), "endDate": last.isoformat()}],
            "dimensions": [{"name": "date"}], "metrics": [{"name": name} for name in DAY_METRICS],
            "orderBys": [{"dimension": {"dimensionName": "date"}}], "offset": offset, "limit": limit}


def _rows(reply: Any) -> tuple[list[tuple[date, dict[str, str]]], int]:
    """A report's rows as (day, metric name -> value), and its rowCount (all rows, not this page's)."""
    if not isinstance(reply, dict):
        raise MalformedResponseError("ga4 runReport: the body is not an object")
    try:
        names = [str(header["name"]) for header in reply.get("metricHeaders", [])]
    except (KeyError, TypeError):
        raise MalformedResponseError("ga4 runReport: metricHeaders without names") from None
    rows = []
    for row in reply.get("rows", []):
        try:
            day = datetime.strptime(str(row["dimensionValues"][0]["value"]), "%Y%m%d").date()
            values = [cell.get("value") for cell in row["metricValues"]]
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            raise MalformedResponseError(f"ga4 runReport: a row without a YYYYMMDD date and metrics: {row!r}"
                                         ) from None
        rows.append((day, dict(zip(names, values, strict=False))))
    count = reply.get("rowCount", 0)
    if isinstance(count, str) and count.isdigit():
        count = int(count)
    if not isinstance(count, int) or isinstance(count, bool):
        raise MalformedResponseError(f"ga4 runReport: rowCount is not a count: {count!r}")
    return rows, count


def fetch_site_days(session: HttpSession, settings: Ga4Settings, tokens: AccessTokens, first: date,
                    last: date) -> tuple[list[SiteDay], list[tuple[date, str]]]:
    """Every day from first to last with data (all pages), and the days that could not be read (with why)."""
    path = f"/v1beta/properties/{settings.property_id}:runReport"
    rows: list[tuple[date, dict[str, str]]] = []
    while True:
        body = report_body(first, last, len(rows), settings.page_size)
        headers = {"Authorization": f"Bearer {tokens.bearer()}"}
        try:
            reply = parse_json(session.send("POST", path, json=body, headers=headers))
        except AuthError as error:
            raise AuthError(f"{error} (the service account {tokens.key.client_email} needs the Viewer role on "
                            f"property {settings.property_id})") from None
        page, total = _rows(reply)
        rows.extend(page)
        if len(rows) >= total:
            break
        if not page:
            raise MalformedResponseError(f"ga4 runReport: an empty page at offset {len(rows)} of {total} rows")
    found, bad = [], []
    for day, values in rows:
        try:
            found.append(site_day(day, values))
        except MalformedItemError as error:
            bad.append((day, str(error)))
    return found, bad
