"""Website analytics days (Plausible, Matomo) into web_days: which days a run reads, stored with the cursor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, select

from connectors.site_days import SiteDay
from listener.config.settings import ProfileConfig
from listener.imports.save import ImportResult, log_import_run
from listener.storage.relationship_models import ImportQuarantineRow, WebDayRow
from listener.storage.store import ensure_profile, load_cursor, save_cursor
from listener.storage.upsert import table_of, upsert_rows

STREAM = "days"
DAY_VALUES = ["visits", "visitors", "pageviews", "bounce_rate", "visit_duration_seconds", "conversions"]


def days_to_fetch(cursor: str | None, today: date, backfill_days: int, refresh_days: int) -> tuple[date, date]:
    """From the cursor's day minus the refresh window (or the backfill) to yesterday, the last complete day."""
    last = today - timedelta(days=1)
    if cursor is None:
        return last - timedelta(days=backfill_days - 1), last
    return min(date.fromisoformat(cursor) - timedelta(days=refresh_days), last), last


FetchDays = Callable[[date, date], tuple[list[SiteDay], list[tuple[date, str]]]]


def sync_site_days(engine: Engine, profile: ProfileConfig, source: str, fetch: FetchDays, *, backfill_days: int,
                   refresh_days: int, now: datetime) -> ImportResult:
    """Fetch the days from the cursor (minus the refresh window) to yesterday and store them with the cursor."""
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, profile.name, profile.timezone)
        cursor = load_cursor(connection, source, STREAM)
    first, last = days_to_fetch(cursor, now.astimezone(profile.zone).date(), backfill_days, refresh_days)
    found, bad = fetch(first, last)
    return save_web_days(engine, profile_id, source, (first, last), found, bad, now)


def save_web_days(engine: Engine, profile_id: int, source: str, window: tuple[date, date], found: list[SiteDay],
                  bad: list[tuple[date, str]], now: datetime) -> ImportResult:
    """Upsert the days, quarantine the unreadable ones and move the cursor to the window's last day, in one go."""
    kind, first, last = source.split(":")[0], *window
    web, result = table_of(WebDayRow), ImportResult("web_days")
    with engine.begin() as connection:
        known = set(connection.execute(select(web.c.day).where(
            web.c.profile_id == profile_id, web.c.source == kind, web.c.day >= first, web.c.day <= last)).scalars())
        upsert_rows(connection, WebDayRow, [
            {"profile_id": profile_id, "source": kind, "day": d.day, **{v: getattr(d, v) for v in DAY_VALUES},
             "fetched_at": now} for d in found], ["profile_id", "source", "day"], [*DAY_VALUES, "fetched_at"])
        upsert_rows(connection, ImportQuarantineRow, [
            {"profile_id": profile_id, "kind": "web_days", "file_name": source, "line": 0,
             "digest": f"{source}:{day}", "error": error, "cells": {"day": day.isoformat()}, "first_seen_at": now}
            for day, error in bad], ["profile_id", "kind", "digest"])
        save_cursor(connection, source, STREAM, last.isoformat(), now)
        result.rows, result.quarantined = len(found) + len(bad), len(bad)
        result.new, result.known = sum(d.day not in known for d in found), sum(d.day in known for d in found)
        result.errors = [(0, f"{day}: {error}") for day, error in bad]
        log_import_run(connection, profile_id, source, now, result)
    return result
