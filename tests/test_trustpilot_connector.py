"""The Trustpilot connector against recorded-shape responses: through respx and a loopback server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx
from pydantic import ValidationError
from sqlalchemy import Engine, select

from connectors.http import RetryPolicy
from connectors.registry import build_connector
from listener.collect.sync import SyncResult, sync_source
from listener.storage.models import AccountRow, AuthorRow, ItemProfileRow, ItemRow, QuarantineRow, SyncCursorRow
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer, load_cassette
from tests.contract import finished
from tests.test_trustpilot_contract import API_KEY, trustpilot_settings

BASE = "https://api.trustpilot.com"
UNIT = "5f8c3e2a9b1d4c0012a3b4c5"
R1, R2 = "6a1f0c7e2b3d4e5f60718293", "6a1a9d3f5c6b7a8e9f012345"
R3, R4 = "6a12e4b7c8d9e0f1a2b3c4d5", "6a0f1e2d3c4b5a6978877665"
POLICY = RetryPolicy(max_attempts=3, backoff_initial=0.5, backoff_max=4, max_wait_seconds=120)


def sync(engine: Engine, clock: Any, sleep: Any, cassette: Cassette, base_url: str = BASE,
         **overrides: Any) -> SyncResult:
    """One sync of the fixture business unit, through respx unless a loopback base URL is given."""
    source = trustpilot_settings(base_url, **overrides)
    connector = build_connector(source, secrets={"api_key": API_KEY}, clock=clock, sleep=sleep, policy=POLICY)
    if base_url.startswith("http://127.0.0.1"):
        return sync_source(engine, "acme", "UTC", source, connector, clock=clock)
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(base_url))
        return sync_source(engine, "acme", "UTC", source, connector, clock=clock)


def rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def items(engine: Engine) -> dict[str, dict[str, Any]]:
    return {r["external_id"]: r for r in rows(engine, ItemRow)}


def check_story(engine: Engine) -> None:
    """What the fixture story must leave in the store, whoever served it."""
    stored = items(engine)
    assert set(stored) == {R1, f"{R1}/reply", R2, R3, f"{R3}/reply", R4}
    complaint = stored[R1]
    assert complaint["kind"] == "review" and complaint["rating"] == 1.0 and complaint["rating_scale"] == 5.0
    assert complaint["text"].startswith("Order never arrived\nPaid for a grinder three weeks ago")
    assert complaint["language"] == "en" and complaint["likes"] == 2
    assert complaint["author_external_id"] == "6a0b1c2d3e4f506172839401"
    assert complaint["created_at"] == datetime(2026, 11, 17, 8, 21, 45, tzinfo=UTC)
    reply = stored[f"{R1}/reply"]
    assert reply["kind"] == "reply" and reply["parent_external_id"] == R1 and reply["root_external_id"] == R1
    assert reply["author_external_id"] == UNIT and reply["rating"] is None
    assert reply["created_at"] == datetime(2026, 11, 17, 14, 2, 10, tzinfo=UTC)
    assert stored[R2]["language"] == "de" and stored[R2]["rating"] == 5.0
    roles = {r["external_id"]: r["role"] for r in rows(engine, ItemProfileRow)}
    assert roles[f"{R1}/reply"] == roles[f"{R3}/reply"] == "owned" and roles[R1] == "inbound"
    assert [(a["external_id"], a["handle"]) for a in rows(engine, AccountRow)] == [(UNIT, "acme.example")]


def test_reviews_and_company_replies_are_stored_with_their_links(engine: Engine, clock: Any, sleep: Any) -> None:
    result = sync(engine, clock, sleep, load_cassette("trustpilot"))
    assert finished(result), result.error
    check_story(engine)
    reviewers = {a["external_id"]: a["handle"] for a in rows(engine, AuthorRow)}
    assert reviewers["6a0c2d3e4f5061728394a502"] == "Lena"


def test_pages_follow_the_next_page_link_until_there_is_none(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("trustpilot")
    sync(engine, clock, sleep, cassette)
    assert cassette.requests == [
        "GET /v1/business-units/find?name=acme.example",
        f"GET /v1/business-units/{UNIT}/reviews?orderBy=createdat.desc&page=1&perPage=3",
        f"GET /v1/business-units/{UNIT}/reviews?orderBy=createdat.desc&page=2&perPage=3",
    ]


def test_a_review_without_its_consumer_is_quarantined(engine: Engine, clock: Any, sleep: Any) -> None:
    result = sync(engine, clock, sleep, load_cassette("trustpilot"))
    quarantined = rows(engine, QuarantineRow)
    assert result.quarantined == 1 and quarantined[0]["external_id"] == "6a0e9f8d7c6b5a4938271605"
    assert "consumer" in quarantined[0]["error"]


def reply_added_later(cassette: Cassette) -> Cassette:
    """Two days on: the company has answered Lena's older review."""
    for interaction in cassette.interactions:
        for review in interaction["response"]["body"].get("reviews", []):
            if review["id"] == R2:
                review["companyReply"] = {"text": "Vielen Dank, Lena!",
                                          "authorBusinessUserId": "5f8c3e2a9b1d4c0012a3ffee",
                                          "authorBusinessUserName": "Mara (Acme support)",
                                          "createdAt": "2026-11-18T09:00:00Z", "updatedAt": None}
    return cassette


def test_a_reply_to_an_already_stored_review_is_picked_up_within_the_refresh_window(
        engine: Engine, clock: Any, sleep: Any) -> None:
    sync(engine, clock, sleep, load_cassette("trustpilot"))
    result = sync(engine, clock, sleep, reply_added_later(load_cassette("trustpilot")))
    assert finished(result), result.error
    late = items(engine)[f"{R2}/reply"]
    assert late["parent_external_id"] == R2 and late["text"] == "Vielen Dank, Lena!"


def test_next_sync_stops_below_the_high_water_mark_less_the_refresh_window(engine: Engine, clock: Any,
                                                                           sleep: Any) -> None:
    sync(engine, clock, sleep, load_cassette("trustpilot"))
    cassette = load_cassette("trustpilot")
    sync(engine, clock, sleep, cassette, refresh_days=3)  # floor 2026-11-15: page 1 reaches below it
    assert not any("page=2" in r for r in cassette.requests)
    assert {r["stream"]: r["cursor"] for r in rows(engine, SyncCursorRow)} == {"reviews": "2026-11-17T08:21:45+00:00"}


def test_a_configured_business_unit_id_skips_the_lookup(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("trustpilot")
    result = sync(engine, clock, sleep, cassette, domain=None, business_unit_id=UNIT)
    assert finished(result), result.error
    assert cassette.requests[0] == f"GET /v1/business-units/{UNIT}"
    assert len(items(engine)) == 6


def test_the_api_key_goes_in_the_apikey_header(clock: Any, sleep: Any, engine: Engine) -> None:
    seen: list[httpx.Request] = []
    cassette = load_cassette("trustpilot")
    handler = cassette.httpx_handler(BASE)

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    source = trustpilot_settings(BASE)
    connector = build_connector(source, secrets={"api_key": API_KEY}, clock=clock, sleep=sleep, policy=POLICY)
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=record)
        sync_source(engine, "acme", "UTC", source, connector, clock=clock)
    assert seen and all(r.headers["apikey"] == API_KEY for r in seen)
    assert all(API_KEY not in str(r.url) for r in seen)


def test_a_retry_after_on_429_is_honoured_when_trustpilot_sends_one(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("trustpilot")
    cassette.fail_next(429, {"Retry-After": "17"})
    result = sync(engine, clock, sleep, cassette)
    assert finished(result), result.error
    assert sleep.calls[0] == pytest.approx(17)


def test_a_source_needs_a_domain_or_a_business_unit_id() -> None:
    with pytest.raises(ValidationError, match="domain"):
        trustpilot_settings(BASE, domain=None)


def test_trustpilot_sync_against_loopback_replay_server(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("trustpilot")
    with CassetteServer(cassette) as server:
        result = sync(engine, clock, sleep, cassette, server.url)
    assert finished(result), result.error
    check_story(engine)
    assert any("page=2" in r for r in cassette.requests)  # the absolute next-page href led back to the server
