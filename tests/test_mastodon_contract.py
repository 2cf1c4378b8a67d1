"""Mastodon passes the connector contract kit."""

from __future__ import annotations

from tests.cassette import Cassette, load_cassette
from tests.contract import ConnectorContract, ContractCase
from tests.mastodon_setup import TOKEN, mastodon_settings


def empty_account() -> Cassette:
    """The brand exists but nothing was posted, tagged or mentioned."""
    cassette = load_cassette("mastodon")
    lists = ("/statuses", "/timelines/tag/", "/notifications", "/context", "/favourited_by", "/reblogged_by")
    for interaction in cassette.interactions:
        request, response = interaction["request"], interaction["response"]
        if any(part in request["path"] for part in lists) and not request["path"].startswith("/api/v1/statuses/1"):
            response["body"] = []
            response["headers"] = {k: v for k, v in response["headers"].items() if k != "Link"}
    return cassette


class TestMastodonContract(ConnectorContract):
    case = ContractCase(
        platform="mastodon",
        settings=lambda base: mastodon_settings(base),
        secrets={"token": TOKEN},
        rate_limited_headers={"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                              "X-RateLimit-Reset": "2026-11-18T13:04:00.000Z"},
        expected_wait_seconds=240,
        quarantined=1,
        min_items=9,
        empty_cassette=empty_account,
    )
