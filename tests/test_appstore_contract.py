"""The App Store connector passes the connector contract kit."""

from __future__ import annotations

from connectors.appstore.connector import AppStoreConnector, AppStoreSettings
from tests.cassette import Cassette, load_cassette
from tests.contract import ConnectorContract, ContractCase


def appstore_settings(base_url: str) -> AppStoreSettings:
    """The fixture app in the US and GB storefronts."""
    return AppStoreSettings(name="acme-appstore", platform="appstore", base_url=base_url,
                            app_id="1234567890", countries=["us", "gb"])


def no_reviews() -> Cassette:
    """An app nobody has reviewed: Apple's feed then has no `entry` at all."""
    cassette = load_cassette("appstore")
    for interaction in cassette.interactions:
        interaction["response"]["body"]["feed"].pop("entry", None)
    return cassette


class TestAppStoreContract(ConnectorContract):
    # Apple documents no rate-limit headers for this feed: a 429 comes bare, and the wait is the
    # session's default minute (Apple's limit is about 20 calls a minute).
    case = ContractCase(
        platform="appstore",
        settings=appstore_settings,
        secrets={},
        rate_limited_headers={},
        expected_wait_seconds=60,
        quarantined=1,
        min_items=5,
        empty_cassette=no_reviews,
        connector_class=AppStoreConnector,
    )
