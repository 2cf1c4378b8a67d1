"""Matomo Reporting API, `VisitsSummary.get` per day over a date range (module=API, format=JSON).

The token is sent as the `token_auth` form field of a POST, as Matomo recommends, never in the
address. A range of days comes back as an object keyed by day; a day without visits is an empty
list. Matomo reports errors as `{"result": "error", "message": ...}` with status 200.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from connectors.errors import AuthError, MalformedItemError, MalformedResponseError, PermanentError
from connectors.http import HttpSession, parse_json
from connectors.matomo.settings import MatomoSettings
from connectors.site_days import SiteDay


def _count(metrics: dict[str, Any], name: str) -> int | None:
    value = metrics.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise MalformedItemError(f"{name} is not a count: {value!r}")
    return int(value)


def site_day(day: date, metrics: dict[str, Any]) -> SiteDay:
    """A day's VisitsSummary metrics as a SiteDay: bounce rate and mean time on site from the sums."""
    visits = _count(metrics, "nb_visits")
    if not visits:
        raise MalformedItemError(f"{day}: no visits")
    bounces, seconds = _count(metrics, "bounce_count"), _count(metrics, "sum_visit_length")
    return SiteDay(day, visits, _count(metrics, "nb_uniq_visitors"), _count(metrics, "nb_actions"),
                   None if bounces is None else bounces / visits, None if seconds is None else seconds / visits,
                   _count(metrics, "nb_visits_converted"))


def fetch_site_days(session: HttpSession, settings: MatomoSettings, token: str, first: date,
                    last: date) -> tuple[list[SiteDay], list[tuple[date, str]]]:
    """Every day from first to last with visits, and the days that could not be read (with why)."""
    params = {"module": "API", "method": "VisitsSummary.get", "idSite": settings.site_id, "period": "day",
              "date": f"{first.isoformat()},{last.isoformat()}", "format": "JSON"}
    body = parse_json(session.send("POST", "/index.php", params=params, data={"token_auth": token}))
    if isinstance(body, dict) and body.get("result") == "error":
        message = str(body.get("message") or "")
        error = AuthError if "token" in message.lower() or "access" in message.lower() else PermanentError
        raise error(f"matomo: {message[:200]}")
    if not isinstance(body, dict):
        raise MalformedResponseError("matomo VisitsSummary.get: expected an object keyed by day")
    found, bad = [], []
    for key, metrics in sorted(body.items()):
        try:
            day = date.fromisoformat(key)
        except ValueError:
            raise MalformedResponseError(f"matomo VisitsSummary.get: {key!r} is not a day") from None
        if not metrics:  # Matomo's empty list: no visits that day
            continue
        try:
            found.append(site_day(day, metrics if isinstance(metrics, dict) else {}))
        except MalformedItemError as error:
            bad.append((day, str(error)))
    return found, bad
