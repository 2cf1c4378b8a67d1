"""Reddit passes the connector contract kit."""

from __future__ import annotations

from tests.cassette import Cassette, load_cassette
from tests.contract import ConnectorContract, ContractCase
from tests.test_reddit_connector import SECRETS, reddit_settings


def empty_brand() -> Cassette:
    """The token works, but every listing is empty: nothing posted, found or received."""
    cassette = load_cassette("reddit")
    for interaction in cassette.interactions:
        body = interaction["response"]["body"]
        if isinstance(body, dict) and body.get("kind") == "Listing":
            body["data"].update(children=[], after=None, dist=0)
    return cassette


class TestRedditContract(ConnectorContract):
    case = ContractCase(
        platform="reddit",
        settings=lambda base: reddit_settings(base),
        secrets=SECRETS,
        rate_limited_headers={"X-Ratelimit-Used": "1000", "X-Ratelimit-Remaining": "0.0", "X-Ratelimit-Reset": "312"},
        expected_wait_seconds=312,
        quarantined=1,
        min_items=15,
        empty_cassette=empty_brand,
    )
