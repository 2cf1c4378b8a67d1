"""The X connector passes the connector contract kit."""

from __future__ import annotations

from connectors.x.connector import XConnector, XSettings
from tests.cassette import Cassette, load_cassette
from tests.contract import ConnectorContract, ContractCase

BEARER = "AAAAAAAAAAAAAAAAAAAAAtest-x-bearer-9d2c"
LISTINGS = ("/tweets", "/mentions", "/search/recent")


def x_settings(base_url: str, **overrides: object) -> XSettings:
    """The fixture brand (@acme) with an app-only bearer token and one recent search."""
    values: dict[str, object] = {
        "name": "acme-x", "platform": "x", "base_url": f"{base_url}/2", "username": "acme",
        "bearer_token_env": "TEST_X_BEARER", "search": ["#AcmeAPI"], "page_size": 5,
        "backfill_days": 30, "refresh_days": 7,
    }
    values.update(overrides)
    return XSettings.model_validate(values)


def empty_account() -> Cassette:
    """The account exists but has posted nothing, nobody mentioned it and the search finds nothing."""
    cassette = load_cassette("x")
    for interaction in cassette.interactions:
        if interaction["request"]["path"].endswith(LISTINGS):
            interaction["response"]["body"] = {"meta": {"result_count": 0}}
    return cassette


class TestXContract(ConnectorContract):
    case = ContractCase(
        platform="x",
        settings=x_settings,
        secrets={"bearer_token": BEARER},
        # X answers a spent 15-minute window with 429 and the window's reset as epoch seconds.
        rate_limited_headers={"x-rate-limit-limit": "900", "x-rate-limit-remaining": "0",
                              "x-rate-limit-reset": "1795007040", "Content-Type": "application/json"},
        rate_limited_body='{"title":"Too Many Requests","type":"about:blank","status":429}',
        expected_wait_seconds=240,
        quarantined=1,
        min_items=20,
        empty_cassette=empty_account,
        connector_class=XConnector,
    )
