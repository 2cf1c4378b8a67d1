"""Plausible site days into web_days: the days since the cursor (the last few refreshed), upserted by day."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

import httpx
from sqlalchemy import Engine, select

from connectors.clock import Sleep
from connectors.http import HttpSession, RetryPolicy, build_client
from connectors.plausible.stats import PlausibleSettings, fetch_site_days
from listener.config.settings import ConfigError, ProfileConfig, require_env
from listener.imports.save import ImportResult, log_import_run
from listener.storage.relationship_models import ImportQuarantineRow, WebDayRow
from listener.storage.store import ensure_profile, load_cursor, save_cursor
from listener.storage.upsert import table_of, upsert_rows

SOURCE = "plausible"
STREAM = "days"


def plausible_settings(profile: ProfileConfig) -> PlausibleSettings:
    """The profile's Plausible section, or a ConfigError saying how to add one."""
    if profile.imports.plausible is None:
        raise ConfigError(f"profile {profile.name!r} has no [profiles.imports.plausible] section (site_id)")
    return profile.imports.plausible


def plausible_session(settings: PlausibleSettings, *, transport: httpx.BaseTransport | None = None,
                      sleep: Sleep = time.sleep) -> HttpSession:
    """An HTTP session for the Stats API with our retry policy; edges injectable."""
    return HttpSession(client=build_client(settings.base_url, transport=transport), policy=RetryPolicy(),
                       credential_env=settings.api_key_env, sleep=sleep)


def days_to_fetch(cursor: str | None, today: date, settings: PlausibleSettings) -> tuple[date, date]:
    """From the cursor's day minus the refresh window (or the backfill) to yesterday, the last complete day."""
    last = today - timedelta(days=1)
    if cursor is None:
        return last - timedelta(days=settings.backfill_days - 1), last
    return min(date.fromisoformat(cursor) - timedelta(days=settings.refresh_days), last), last


def sync_plausible(engine: Engine, profile: ProfileConfig, session: HttpSession, *,
                   clock: Callable[[], datetime]) -> ImportResult:
    """Fetch the site's days since the cursor; store them and move the cursor in one transaction."""
    settings = plausible_settings(profile)
    api_key = require_env(settings.api_key_env, "imports.plausible.api_key_env")
    source, result, now = f"{SOURCE}:{profile.name}:{settings.site_id}", ImportResult("web_days"), clock()
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, profile.name, profile.timezone)
        first, last = days_to_fetch(load_cursor(connection, source, STREAM), now.astimezone(profile.zone).date(),
                                    settings)
    found, bad = fetch_site_days(session, settings, api_key, first, last)
    web = table_of(WebDayRow)
    with engine.begin() as connection:
        known = set(connection.execute(select(web.c.day).where(
            web.c.profile_id == profile_id, web.c.source == SOURCE, web.c.day >= first, web.c.day <= last)).scalars())
        upsert_rows(connection, WebDayRow, [
            {"profile_id": profile_id, "source": SOURCE, "day": d.day, "visits": d.visits, "visitors": d.visitors,
             "pageviews": d.pageviews, "bounce_rate": d.bounce_rate, "visit_duration_seconds": d.visit_duration_seconds,
             "conversions": d.conversions, "fetched_at": now} for d in found], ["profile_id", "source", "day"],
            ["visits", "visitors", "pageviews", "bounce_rate", "visit_duration_seconds", "conversions", "fetched_at"])
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
