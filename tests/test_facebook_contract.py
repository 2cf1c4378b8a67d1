"""The Facebook Pages connector passes the connector contract kit."""

from __future__ import annotations

import json

from connectors.facebook.connector import FacebookConnector, FacebookSettings
from tests.cassette import Cassette, load_cassette
from tests.contract import ConnectorContract, ContractCase

PAGE_TOKEN = "EAAGtestpagetoken0Zb3xQ"
EDGES = ("/published_posts", "/visitor_posts", "/tagged")
# Meta throttles a page with HTTP 403 and code 80001; the header says when access returns (minutes).
THROTTLED_HEADERS = {"Content-Type": "application/json; charset=UTF-8", "X-Business-Use-Case-Usage": json.dumps(
    {"104512345678901": [{"type": "pages", "call_count": 100, "total_cputime": 12, "total_time": 15,
                      "estimated_time_to_regain_access": 4}]})}
THROTTLED_BODY = json.dumps({"error": {
    "message": "(#80001) There have been too many calls to this Page account. Wait a bit and try again.",
    "type": "OAuthException", "code": 80001, "fbtrace_id": "AbCdEfGh123"}})


def facebook_settings(base_url: str, **overrides: object) -> FacebookSettings:
    """The fixture page (acme), one post a page, two comments a page."""
    values: dict[str, object] = {
        "name": "acme-facebook", "platform": "facebook", "base_url": f"{base_url}/v21.0", "page_id": "104512345678901",
        "page_token_env": "TEST_FACEBOOK_PAGE_TOKEN", "page_size": 5, "comment_page_size": 2,
        "backfill_days": 30, "refresh_days": 7,
    }
    values.update(overrides)
    return FacebookSettings.model_validate(values)


def empty_page() -> Cassette:
    """The page exists but nobody posted anything."""
    cassette = load_cassette("facebook")
    for interaction in cassette.interactions:
        if interaction["request"]["path"].endswith(EDGES):
            interaction["response"]["body"] = {"data": []}
    return cassette


class TestFacebookContract(ConnectorContract):
    case = ContractCase(
        platform="facebook",
        settings=facebook_settings,
        secrets={"page_token": PAGE_TOKEN},
        rate_limited_headers=THROTTLED_HEADERS,
        rate_limited_status=403,
        rate_limited_body=THROTTLED_BODY,
        expected_wait_seconds=240,
        quarantined=1,
        min_items=15,
        empty_cassette=empty_page,
        connector_class=FacebookConnector,
    )
