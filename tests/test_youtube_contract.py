"""The YouTube connector passes the connector contract kit."""

from __future__ import annotations

import json

from connectors.youtube.connector import YouTubeConnector, YouTubeSettings
from tests.cassette import Cassette, load_cassette
from tests.contract import ConnectorContract, ContractCase

API_KEY = "AIzaSyTEST-youtube-key-4f1c"
# A per-minute limit comes as a 403 whose reason is rateLimitExceeded, with no Retry-After.
RATE_LIMITED_BODY = json.dumps({"error": {
    "code": 403, "message": "The request cannot be completed because you have exceeded your quota.",
    "errors": [{"message": "Rate limit exceeded.", "domain": "youtube.quota", "reason": "rateLimitExceeded"}]}})


def youtube_settings(base_url: str, **overrides: object) -> YouTubeSettings:
    """The fixture channel by handle, two results a page, one keyword search."""
    values: dict[str, object] = {
        "name": "acme-youtube", "platform": "youtube", "base_url": f"{base_url}/youtube/v3",
        "handle": "@acmecoffeegear", "api_key_env": "TEST_YOUTUBE_API_KEY", "search": ["acme grinder"],
        "page_size": 2, "comment_page_size": 2, "backfill_days": 30, "refresh_days": 7,
    }
    values.update(overrides)
    return YouTubeSettings.model_validate(values)


def empty_channel() -> Cassette:
    """The channel exists but has no uploads and nobody made a video about the brand."""
    cassette = load_cassette("youtube")
    for interaction in cassette.interactions:
        path, body = interaction["request"]["path"], interaction["response"]["body"]
        if path.endswith(("/playlistItems", "/search")):
            body["items"], body["pageInfo"]["totalResults"] = [], 0
            body.pop("nextPageToken", None)
    return cassette


class TestYouTubeContract(ConnectorContract):
    case = ContractCase(
        platform="youtube",
        settings=youtube_settings,
        secrets={"api_key": API_KEY},
        rate_limited_headers={"Content-Type": "application/json; charset=UTF-8"},
        rate_limited_status=403,
        rate_limited_body=RATE_LIMITED_BODY,
        expected_wait_seconds=60,
        quarantined=1,
        min_items=12,
        empty_cassette=empty_channel,
        connector_class=YouTubeConnector,
    )
