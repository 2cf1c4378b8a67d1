"""Plausible site days into web_days: the days since the cursor (the last few refreshed), upserted by day."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import httpx
from sqlalchemy import Engine

from connectors.clock import Sleep
from connectors.http import HttpSession
from connectors.plausible.stats import PlausibleSettings, fetch_site_days
from listener.config.settings import ConfigError, ProfileConfig, require_env
from listener.imports.save import ImportResult
from listener.imports.session import api_session
from listener.imports.web_days import sync_site_days


def plausible_settings(profile: ProfileConfig) -> PlausibleSettings:
    """The profile's Plausible section, or a ConfigError saying how to add one."""
    if profile.imports.plausible is None:
        raise ConfigError(f"profile {profile.name!r} has no [profiles.imports.plausible] section (site_id)")
    return profile.imports.plausible


def plausible_session(settings: PlausibleSettings, *, transport: httpx.BaseTransport | None = None,
                      sleep: Sleep = time.sleep) -> HttpSession:
    """An HTTP session for the Stats API with our retry policy; edges injectable."""
    return api_session(settings.base_url, settings.api_key_env, transport=transport, sleep=sleep)


def sync_plausible(engine: Engine, profile: ProfileConfig, session: HttpSession, *,
                   clock: Callable[[], datetime]) -> ImportResult:
    """Fetch the site's days since the cursor; store them and move the cursor in one transaction."""
    settings = plausible_settings(profile)
    api_key = require_env(settings.api_key_env, "imports.plausible.api_key_env")
    source, now = f"plausible:{profile.name}:{settings.site_id}", clock()
    return sync_site_days(engine, profile, source, lambda first, last: fetch_site_days(
        session, settings, api_key, first, last), backfill_days=settings.backfill_days,
        refresh_days=settings.refresh_days, now=now)
