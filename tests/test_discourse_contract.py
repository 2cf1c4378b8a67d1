"""The Discourse connector passes the connector contract kit."""

from __future__ import annotations

import json

from connectors.discourse.connector import DiscourseConnector, DiscourseSettings
from tests.cassette import Cassette, load_cassette
from tests.contract import ConnectorContract, ContractCase

SECRETS = {"api_key": "test-discourse-key-0b9e5d", "api_username": "ror_listener"}
# Discourse's rate limiter answers 429 with Retry-After; behind a proxy that drops the header
# the JSON body still says how long (extras.wait_seconds).
RATE_LIMITED_BODY = json.dumps({
    "errors": ["You’ve performed this action too many times. Please wait 42 seconds before trying again."],  # noqa: RUF001
    "error_type": "rate_limit", "extras": {"wait_seconds": 42, "time_left": "42 seconds"}})


def discourse_settings(base_url: str, **overrides: object) -> DiscourseSettings:
    """The fixture forum read through /posts.json: two brand staff, an API key."""
    values: dict[str, object] = {
        "name": "acme-forum", "platform": "discourse", "base_url": base_url,
        "staff_usernames": ["acme_support", "Acme_Anna"],
        "api_key_env": "TEST_DISCOURSE_API_KEY", "api_username_env": "TEST_DISCOURSE_API_USERNAME",
        "backfill_days": 60, "refresh_days": 7,
    }
    values.update(overrides)
    return DiscourseSettings.model_validate(values)


def following_settings(base_url: str, **overrides: object) -> DiscourseSettings:
    """The same forum without /posts.json: two followed topics and a search (a forum the brand does not run)."""
    values: dict[str, object] = {"latest": False, "topics": [103, 102], "search": ["acme grinder"]}
    values.update(overrides)
    return discourse_settings(base_url, **values)


def empty_forum() -> Cassette:
    """A forum with no public posts: empty listings, no search hits, the followed topic emptied."""
    cassette = load_cassette("discourse")
    for interaction in cassette.interactions:
        body = interaction["response"]["body"]
        if "latest_posts" in body:
            body["latest_posts"] = []
        if "grouped_search_result" in body:
            body["posts"], body["topics"], body["grouped_search_result"]["post_ids"] = [], [], []
        if interaction["request"]["path"] in ("/t/102.json", "/t/103.json"):
            body["post_stream"] = {"posts": [], "stream": []}
    return cassette


class TestDiscourseContract(ConnectorContract):
    """Latest posts, parents through topics, the brand's topic refreshed with its likers."""

    case = ContractCase(
        platform="discourse",
        settings=discourse_settings,
        secrets=SECRETS,
        rate_limited_headers={"Content-Type": "application/json; charset=utf-8"},
        rate_limited_body=RATE_LIMITED_BODY,
        expected_wait_seconds=42,
        quarantined=1,
        min_items=30,
        empty_cassette=empty_forum,
        connector_class=DiscourseConnector,
    )


class TestDiscourseFollowingContract(ConnectorContract):
    """Followed topics read forward 20 posts a request, search hits read in full from their topics."""

    case = ContractCase(
        platform="discourse",
        settings=following_settings,
        secrets=SECRETS,
        rate_limited_headers={"Content-Type": "application/json; charset=utf-8", "Retry-After": "17"},
        expected_wait_seconds=17,
        quarantined=1,
        min_items=25,
        empty_cassette=empty_forum,
        connector_class=DiscourseConnector,
    )
