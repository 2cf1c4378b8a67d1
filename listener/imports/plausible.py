"""Plausible site days into web_days: the days since the cursor (the last few refreshed), upserted by day."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import httpx
from sqlalchemy import Engine

from connectors.clock import Sleep
from connectors.http import HttpSession, RetryPolicy, build_client
from connectors.plausible.stats import PlausibleSettings, fetch_site_days
from listener.config.settings import ConfigError, ProfileConfig, require_env
from listener.imports.save import ImportResult
from listener.imports.web_days import save_web_days, web_days_window


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


def sync_plausible(engine: Engine, profile: ProfileConfig, session: HttpSession, *,
                   clock: Callable[[], datetime]) -> ImportResult:
    """Fetch the site's days since the cursor; store them and move the cursor in one transaction."""
    settings = plausible_settings(profile)
    api_key = require_env(settings.api_key_env, "imports.plausible.api_key_env")
    source, now = f"plausible:{profile.name}:{settings.site_id}", clock()
    profile_id, first, last = web_days_window(engine, profile, source, now, settings.backfill_days,
                                              settings.refresh_days)
    found, bad = fetch_site_days(session, settings, api_key, first, last)
    return save_web_days(engine, profile_id, source, (first, last), found, bad, now)
