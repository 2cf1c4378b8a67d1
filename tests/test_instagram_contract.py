"""The Instagram connector passes the connector contract kit."""

from __future__ import annotations

import json

from connectors.instagram.connector import InstagramConnector, InstagramSettings
from tests.cassette import Cassette, load_cassette
from tests.contract import ConnectorContract, ContractCase

ACCESS_TOKEN = "EAAGtestinstagramtoken7Hq"
EDGES = ("/media", "/tags", "/recent_media")
# An Instagram account throttled on its business use case: HTTP 403, code 80002, minutes in the header.
THROTTLED_HEADERS = {"Content-Type": "application/json; charset=UTF-8", "X-Business-Use-Case-Usage": json.dumps(
    {"104512345678901": [{"type": "instagram", "call_count": 100, "total_cputime": 9, "total_time": 11,
                          "estimated_time_to_regain_access": 3}]})}
THROTTLED_BODY = json.dumps({"error": {
    "message": "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.",
    "type": "OAuthException", "code": 80002, "fbtrace_id": "AqZ9x"}})


def instagram_settings(base_url: str, **overrides: object) -> InstagramSettings:
    """The fixture account (acme), two media a page, one hashtag."""
    values: dict[str, object] = {
        "name": "acme-instagram", "platform": "instagram", "base_url": f"{base_url}/v21.0",
        "ig_user_id": "17841455500120034", "access_token_env": "TEST_INSTAGRAM_TOKEN", "hashtags": ["#hackathon"],
        "page_size": 2, "comment_page_size": 2, "backfill_days": 30, "refresh_days": 7,
    }
    values.update(overrides)
    return InstagramSettings.model_validate(values)


def empty_account() -> Cassette:
    """The account has posted nothing, nobody tagged it, nobody used the hashtag today."""
    cassette = load_cassette("instagram")
    for interaction in cassette.interactions:
        if interaction["request"]["path"].endswith(EDGES):
            interaction["response"]["body"] = {"data": []}
    return cassette


class TestInstagramContract(ConnectorContract):
    case = ContractCase(
        platform="instagram",
        settings=instagram_settings,
        secrets={"access_token": ACCESS_TOKEN},
        rate_limited_headers=THROTTLED_HEADERS,
        rate_limited_status=403,
        rate_limited_body=THROTTLED_BODY,
        expected_wait_seconds=180,
        quarantined=1,
        min_items=15,
        empty_cassette=empty_account,
        connector_class=InstagramConnector,
    )
