"""Hacker News passes the connector contract kit."""

from __future__ import annotations

from tests.cassette import Cassette, load_cassette
from tests.contract import ConnectorContract, ContractCase
from tests.test_hackernews_connector import hackernews_settings


def nothing_found() -> Cassette:
    """No story or comment names the brand, and the brand's account posted nothing."""
    cassette = load_cassette("hackernews")
    for interaction in cassette.interactions:
        body = interaction["response"]["body"]
        if isinstance(body, dict) and "hits" in body:
            body.update(hits=[], nbHits=0, nbPages=0)
    return cassette


class TestHackerNewsContract(ConnectorContract):
    case = ContractCase(
        platform="hackernews",
        settings=lambda base: hackernews_settings(base),
        secrets={},
        rate_limited_headers={"Content-Type": "application/json; charset=utf-8"},
        rate_limited_body='{"message": "Too many requests", "status": 429}',
        expected_wait_seconds=60,  # HN Search documents no Retry-After or quota header: the kit's default wait
        quarantined=1,
        min_items=11,
        empty_cassette=nothing_found,
    )
