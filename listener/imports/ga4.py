"""GA4 site days into web_days: the service-account key from the file its variable names, then the days since
the cursor (the last few refreshed), upserted by day."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine

from connectors.clock import Sleep
from connectors.ga4.auth import AccessTokens, ServiceAccountKey, parse_service_account_key
from connectors.ga4.reports import Ga4Settings, fetch_site_days
from connectors.http import HttpSession
from listener.config.settings import ConfigError, ProfileConfig
from listener.imports.save import ImportResult
from listener.imports.session import api_session
from listener.imports.web_days import sync_site_days


def ga4_settings(profile: ProfileConfig) -> Ga4Settings:
    """The profile's GA4 section, or a ConfigError saying how to add one."""
    if profile.imports.ga4 is None:
        raise ConfigError(f"profile {profile.name!r} has no [profiles.imports.ga4] section (property_id)")
    return profile.imports.ga4


def service_account_key(settings: Ga4Settings) -> ServiceAccountKey:
    """The key file the variable points at, read; a one-line ConfigError naming the variable, never the key."""
    name, where = settings.credentials_env, "imports.ga4.credentials_env"
    path = os.environ.get(name)
    if not path:
        raise ConfigError(f"environment variable {name} (named by {where}) is not set: "
                          "set it to the path of the service-account key file")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        raise ConfigError(f"the service-account key file in ${name} cannot be read: {path}: {reason}") from None
    try:
        return parse_service_account_key(text)
    except ValueError as error:
        raise ConfigError(f"the service-account key file in ${name} ({path}) {error}") from None


def ga4_session(settings: Ga4Settings, *, transport: httpx.BaseTransport | None = None,
                sleep: Sleep = time.sleep) -> HttpSession:
    """An HTTP session for the Data API and the token endpoint with our retry policy; edges injectable."""
    return api_session(settings.base_url, settings.credentials_env, transport=transport, sleep=sleep)


def sync_ga4(engine: Engine, profile: ProfileConfig, session: HttpSession, *,
             clock: Callable[[], datetime]) -> ImportResult:
    """Fetch the property's days since the cursor; store them and move the cursor in one transaction."""
    settings = ga4_settings(profile)
    tokens = AccessTokens(session, service_account_key(settings), settings.credentials_env, clock,
                          settings.token_uri)
    source, now = f"ga4:{profile.name}:{settings.property_id}", clock()
    return sync_site_days(engine, profile, source, lambda first, last: fetch_site_days(
        session, settings, tokens, first, last), backfill_days=settings.backfill_days,
        refresh_days=settings.refresh_days, now=now)
