"""The Trustpilot connector passes the connector contract kit."""

from __future__ import annotations

from connectors.trustpilot.connector import TrustpilotConnector, TrustpilotSettings
from tests.cassette import Cassette, load_cassette
from tests.contract import ConnectorContract, ContractCase

API_KEY = "test-trustpilot-key-77a1"


def trustpilot_settings(base_url: str, **overrides: object) -> TrustpilotSettings:
    """The fixture business unit, found by its domain, three reviews a page."""
    values: dict[str, object] = {"name": "acme-trustpilot", "platform": "trustpilot", "base_url": base_url,
                                 "domain": "acme.example", "api_key_env": "TEST_TRUSTPILOT_API_KEY", "page_size": 3}
    values.update(overrides)
    return TrustpilotSettings.model_validate(values)


def no_reviews() -> Cassette:
    """A business unit nobody has reviewed: an empty `reviews` array and no links."""
    cassette = load_cassette("trustpilot")
    for interaction in cassette.interactions:
        body = interaction["response"]["body"]
        if "reviews" in body:
            body["reviews"], body["links"] = [], []
    return cassette


class TestTrustpilotContract(ConnectorContract):
    # Trustpilot documents call ceilings (833 / 5 min, 10,000 / hour) but neither a 429 body nor
    # rate-limit headers: a bare 429 waits the session's default minute.
    case = ContractCase(
        platform="trustpilot",
        settings=trustpilot_settings,
        secrets={"api_key": API_KEY},
        rate_limited_headers={},
        expected_wait_seconds=60,
        quarantined=1,
        min_items=6,
        empty_cassette=no_reviews,
        connector_class=TrustpilotConnector,
    )
