"""Bluesky passes the connector contract kit (cassette recorded from the reference servers)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.bluesky.connector import BlueskySettings
from connectors.bluesky.session import forget_sessions
from tests.cassette import Cassette, load_cassette
from tests.contract import ConnectorContract, ContractCase

APP_PASSWORD = "abcd-efgh-ijkl-mnop"
PASSWORD_ENV = "TEST_BLUESKY_APP_PASSWORD"
LISTS = ("feed", "notifications", "posts", "likes", "repostedBy")


def bluesky_settings(base_url: str, **overrides: Any) -> BlueskySettings:
    """The fixture story's source: AppView and PDS at one base URL, page size 2 as recorded."""
    values: dict[str, Any] = {
        "name": "acme-bluesky", "platform": "bluesky", "base_url": base_url, "pds_url": base_url,
        "handle": "acmecoffee.test", "search": ["grinder"], "notifications": True,
        "app_password_env": PASSWORD_ENV, "page_size": 2, "backfill_days": 30, "refresh_days": 7,
    }
    values.update(overrides)
    return BlueskySettings.model_validate(values)


@pytest.fixture(autouse=True)
def fresh_sessions() -> Iterator[None]:
    """Sessions are kept per process; each test starts without one."""
    forget_sessions()
    yield
    forget_sessions()


def empty_account() -> Cassette:
    """The brand exists but has posted nothing, been notified of nothing, and nobody says 'grinder'."""
    cassette = load_cassette("bluesky")
    for interaction in cassette.interactions:
        body = interaction["response"]["body"]
        for key in LISTS:
            if isinstance(body.get(key), list):
                body[key] = []
                body.pop("cursor", None)
    return cassette


class TestBlueskyContract(ConnectorContract):
    case = ContractCase(
        platform="bluesky",
        settings=lambda base: bluesky_settings(base),
        secrets={"app_password": APP_PASSWORD},
        rate_limited_headers={"RateLimit-Limit": "3000", "RateLimit-Remaining": "0",
                              "RateLimit-Reset": "1795007040", "RateLimit-Policy": "3000;w=300"},
        expected_wait_seconds=240,  # RateLimit-Reset is epoch seconds: 13:04:00Z, the clock says 13:00:00Z
        rate_limited_body='{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}',
        quarantined=1,
        min_items=10,
        empty_cassette=empty_account,
    )
