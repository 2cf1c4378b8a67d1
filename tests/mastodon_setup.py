"""Builders for Mastodon sources and connectors used by several test modules."""

from __future__ import annotations

from typing import Any

import httpx

from connectors.http import RetryPolicy
from connectors.mastodon.connector import MastodonConnector, MastodonSettings
from connectors.registry import build_connector

TOKEN = "test-token-3c1d9f"


def mastodon_settings(base_url: str, **overrides: Any) -> MastodonSettings:
    """The fixture story's source: acme, #acmecoffee, mentions with a token."""
    values: dict[str, Any] = {
        "name": "acme-mastodon", "platform": "mastodon", "base_url": base_url, "account": "acme",
        "hashtags": ["acmecoffee"], "mentions": True, "token_env": "TEST_MASTODON_TOKEN",
        "backfill_days": 30, "refresh_days": 7,
    }
    values.update(overrides)
    return MastodonSettings.model_validate(values)


def mastodon_connector(settings: MastodonSettings, clock: Any, sleep: Any,
                       transport: httpx.BaseTransport | None = None, token: str | None = TOKEN) -> MastodonConnector:
    """A connector with injected clock, sleep and (optionally) transport."""
    policy = RetryPolicy(max_attempts=4, backoff_initial=0.5, backoff_max=8, max_wait_seconds=120)
    return build_connector(  # type: ignore[return-value]  # build_connector returns the Connector base class
        settings, secrets={"token": token} if token else {}, transport=transport, clock=clock, sleep=sleep,
        policy=policy)
