"""The TikTok connector passes the connector contract kit."""

from __future__ import annotations

from connectors.tiktok.connector import TikTokConnector, TikTokSettings
from tests.cassette import Cassette, load_cassette
from tests.contract import ConnectorContract, ContractCase

ACCESS_TOKEN = "act.test-tiktok-access-token-8Qz"
BUSINESS_ID = "-000Tq9xJwzQvK2mN8pL4rS6tU0vW1xYz3"


def tiktok_settings(base_url: str, **overrides: object) -> TikTokSettings:
    """The fixture account (acmekoffie), two videos a page, two comments a page."""
    values: dict[str, object] = {
        "name": "acme-tiktok", "platform": "tiktok", "base_url": f"{base_url}/open_api/v1.3",
        "business_id": BUSINESS_ID, "access_token_env": "TEST_TIKTOK_TOKEN", "page_size": 2, "comment_page_size": 2,
        "backfill_days": 30, "refresh_days": 7,
    }
    values.update(overrides)
    return TikTokSettings.model_validate(values)


def empty_account() -> Cassette:
    """The account has posted no videos."""
    cassette = load_cassette("tiktok")
    for interaction in cassette.interactions:
        if interaction["request"]["path"].endswith("/business/video/list/"):
            interaction["response"]["body"]["data"] = {"videos": [], "cursor": 0, "has_more": False}
    return cassette


class TestTikTokContract(ConnectorContract):
    case = ContractCase(
        platform="tiktok",
        settings=tiktok_settings,
        secrets={"access_token": ACCESS_TOKEN},
        # TikTok answers a spent limit with HTTP 200 and code 40100; it names no wait.
        rate_limited_status=200,
        rate_limited_headers={"Content-Type": "application/json"},
        rate_limited_body='{"code":40100,"message":"Too many requests. Please retry in some time.","request_id":"x"}',
        expected_wait_seconds=60,
        quarantined=1,
        min_items=10,
        empty_cassette=empty_account,
        connector_class=TikTokConnector,
    )
