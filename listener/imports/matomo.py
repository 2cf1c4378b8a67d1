"""Matomo site days into web_days: the days since the cursor (the last few refreshed), upserted by day."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import httpx
from sqlalchemy import Engine

from connectors.clock import Sleep
from connectors.http import HttpSession
from connectors.matomo.reports import MatomoSettings, fetch_site_days
from listener.config.settings import ConfigError, ProfileConfig, require_env
from listener.imports.save import ImportResult
from listener.imports.session import api_session
from listener.imports.web_days import sync_site_days


def matomo_settings(profile: ProfileConfig) -> MatomoSettings:
    """The profile's Matomo section, or a ConfigError saying how to add one."""
    if profile.imports.matomo is None:
        raise ConfigError(f"profile {profile.name!r} has no [profiles.imports.matomo] section (base_url, site_id)")
    return profile.imports.matomo


def matomo_session(settings: MatomoSettings, *, transport: httpx.BaseTransport | None = None,
                   sleep: Sleep = time.sleep) -> HttpSession:
    """An HTTP session for the Reporting API with our retry policy; edges injectable."""
    return api_session(settings.base_url, settings.token_env, transport=transport, sleep=sleep)


def sync_matomo(engine: Engine, profile: ProfileConfig, session: HttpSession, *,
                clock: Callable[[], datetime]) -> ImportResult:
    """Fetch the site's days since the cursor; store them and move the cursor in one transaction."""
    settings = matomo_settings(profile)
    token = require_env(settings.token_env, "imports.matomo.token_env")
    source, now = f"matomo:{profile.name}:{settings.site_id}", clock()
    return sync_site_days(engine, profile, source, lambda first, last: fetch_site_days(
        session, settings, token, first, last), backfill_days=settings.backfill_days,
        refresh_days=settings.refresh_days, now=now)
