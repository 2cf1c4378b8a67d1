"""The Google Business Profile reviews connector against recorded-shape responses: respx and loopback."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from sqlalchemy import Engine, select

from connectors.base import Author
from connectors.errors import MalformedItemError
from connectors.google_reviews.connector import original_comment, review_items
from connectors.http import RetryPolicy
from connectors.registry import build_connector
from listener.collect.sync import SyncResult, sync_source
from listener.storage.models import AccountRow, ItemProfileRow, ItemRow, QuarantineRow, SyncCursorRow
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer, load_cassette
from tests.contract import finished
from tests.test_google_reviews_contract import SECRETS, google_settings

BASE = "https://mybusiness.googleapis.com"
LOCATION = "accounts/1122334455/locations/9988776655"
KATRIN, ANON, MARCO, SAM = ("AbFvOqnG3xK2pLq8RtY0uV1wZ5cD7eF9hJ", "AbFvOqmT8sN4bHq1WxZ3yA6cE0gI2kM5oQ",
                            "AbFvOqkR5tU7vW9xY1zA3bC5dE7fG9hI1j", "AbFvOqjP2qR4sT6uV8wX0yZ2aB4cD6eF8g")
POLICY = RetryPolicy(max_attempts=3, backoff_initial=0.5, backoff_max=4, max_wait_seconds=120)
OWNER = Author(platform="google_reviews", external_id=LOCATION, handle="Acme Roastery")


def sync(engine: Engine, clock: Any, sleep: Any, cassette: Cassette, base_url: str = BASE,
         secrets: dict[str, str] = SECRETS, seen: list[httpx.Request] | None = None, **overrides: Any) -> SyncResult:
    """One sync of the fixture location, through respx unless a loopback base URL is given."""
    source = google_settings(base_url, **overrides)
    connector = build_connector(source, secrets=secrets, clock=clock, sleep=sleep, policy=POLICY)
    if base_url.startswith("http://127.0.0.1"):
        return sync_source(engine, "acme", "UTC", source, connector, clock=clock)
    handler = cassette.httpx_handler(base_url)

    def record(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return handler(request)

    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=record)
        return sync_source(engine, "acme", "UTC", source, connector, clock=clock)


def rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def items(engine: Engine) -> dict[str, dict[str, Any]]:
    return {r["external_id"]: r for r in rows(engine, ItemRow)}


def check_story(engine: Engine) -> None:
    """What the fixture story must leave in the store, whoever served it."""
    stored = items(engine)
    assert set(stored) == {KATRIN, f"{KATRIN}/reply", ANON, f"{ANON}/reply", MARCO, SAM}
    katrin = stored[KATRIN]
    assert katrin["rating"] == 5.0 and katrin["rating_scale"] == 5.0 and katrin["kind"] == "review"
    assert katrin["text"] == ("Bester Espresso der Stadt, und der Barista hat mir gezeigt, "
                              "wie die neue Mühle funktioniert.")
    assert katrin["author_external_id"] == f"reviewer:{KATRIN}"
    answer = stored[f"{ANON}/reply"]
    assert answer["parent_external_id"] == answer["root_external_id"] == ANON
    assert answer["author_external_id"] == LOCATION and answer["text"].startswith("We are sorry about the wait")
    assert answer["created_at"] == datetime(2026, 11, 13, 12, 45, 10, 500000, tzinfo=UTC)
    assert stored[ANON]["rating"] == 1.0 and stored[ANON]["author_external_id"] is None  # anonymous reviewer
    assert stored[MARCO]["text"] == "" and stored[MARCO]["rating"] == 3.0  # a rating without a comment
    assert stored[MARCO]["created_at"] == datetime(2026, 11, 6, 19, 30, 12, 123456, tzinfo=UTC)  # nanoseconds cut
    roles = {r["external_id"]: r["role"] for r in rows(engine, ItemProfileRow)}
    assert roles[f"{KATRIN}/reply"] == "owned" and roles[KATRIN] == "inbound"
    assert [(a["external_id"], a["handle"]) for a in rows(engine, AccountRow)] == [(LOCATION, "Acme Roastery")]


def test_reviews_and_owner_replies_are_stored_with_their_links(engine: Engine, clock: Any, sleep: Any) -> None:
    result = sync(engine, clock, sleep, load_cassette("google_reviews"))
    assert finished(result), result.error
    check_story(engine)
    quarantined = rows(engine, QuarantineRow)
    assert len(quarantined) == 1 and "createTime" in quarantined[0]["error"]


def test_one_token_for_the_whole_run_and_a_bearer_header_only_on_api_calls(engine: Engine, clock: Any,
                                                                           sleep: Any) -> None:
    seen: list[httpx.Request] = []
    cassette = load_cassette("google_reviews")
    sync(engine, clock, sleep, cassette, seen=seen)
    token_calls = [r for r in seen if r.url.path == "/token"]
    assert len(token_calls) == 1 and "authorization" not in token_calls[0].headers
    form = parse_qs(token_calls[0].content.decode())
    assert form == {"client_id": [SECRETS["client_id"]], "client_secret": [SECRETS["client_secret"]],
                    "refresh_token": [SECRETS["refresh_token"]], "grant_type": ["refresh_token"]}
    api_calls = [r for r in seen if r.url.path != "/token"]
    assert len(api_calls) == 2
    assert all(r.headers["authorization"] == "Bearer ya29.a0AfB_test-access-token" for r in api_calls)
    assert parse_qs(api_calls[0].url.query.decode())["orderBy"] == ["updateTime desc"]


def test_a_refused_refresh_token_fails_the_source_naming_every_variable(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("google_reviews")
    cassette.fail_next(400, {"Content-Type": "application/json"},
                       '{"error": "invalid_grant", "error_description": "Token has been expired or revoked."}')
    result = sync(engine, clock, sleep, cassette)
    assert result.status == "failed"
    for name in ("TEST_GBP_CLIENT_ID", "TEST_GBP_CLIENT_SECRET", "TEST_GBP_REFRESH_TOKEN"):
        assert f"${name}" in (result.error or "")
    assert all(secret not in (result.error or "") for secret in SECRETS.values())


def test_an_expired_access_token_gets_one_refresh_and_the_call_is_retried(engine: Engine, clock: Any,
                                                                          sleep: Any) -> None:
    cassette = load_cassette("google_reviews")
    cassette.fail_at(1, 401, {"Content-Type": "application/json"},
                     '{"error": {"code": 401, "status": "UNAUTHENTICATED"}}')
    result = sync(engine, clock, sleep, cassette)
    assert finished(result), result.error
    assert [r.split("?")[0] for r in cassette.requests[:3]] == [
        "POST /token", f"GET /v4/{LOCATION}/reviews", "POST /token"]
    assert len(items(engine)) == 6


def test_several_locations_share_one_token(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("google_reviews")
    result = sync(engine, clock, sleep, cassette, location_ids=["9988776655", "5544332211"])
    # the second location has no recording: the replay answers 404, that stream fails, the first stands
    assert result.status == "partial" and "5544332211" in (result.error or "")
    assert sum(r == "POST /token" for r in cassette.requests) == 1
    assert len(items(engine)) == 6


def test_next_sync_stops_below_the_high_water_mark_less_the_refresh_window(engine: Engine, clock: Any,
                                                                           sleep: Any) -> None:
    sync(engine, clock, sleep, load_cassette("google_reviews"))
    cassette = load_cassette("google_reviews")
    clock.now += timedelta(hours=1)
    sync(engine, clock, sleep, cassette, refresh_days=2)  # floor 2026-11-16T10:04: page 1 reaches below it
    assert not any("pageToken" in r for r in cassette.requests)
    cursor = {r["stream"]: r["cursor"] for r in rows(engine, SyncCursorRow)}
    assert cursor == {"reviews:9988776655": "2026-11-16T10:04:31.512000+00:00"}


def test_comments_keep_the_reviewers_own_words_not_googles_translation() -> None:
    assert original_comment("(Translated by Google) Great coffee\n\n(Original)\nToller Kaffee") == "Toller Kaffee"
    assert original_comment("Toller Kaffee\n\n(Translated by Google)\nGreat coffee") == "Toller Kaffee"
    assert original_comment("  Great coffee \n") == "Great coffee"


def a_review(**changes: Any) -> dict[str, Any]:
    review = {"name": f"{LOCATION}/reviews/X1", "reviewId": "X1", "reviewer": {"displayName": "Ana"},
              "starRating": "TWO", "comment": "Meh", "createTime": "2026-11-01T10:00:00Z",
              "updateTime": "2026-11-01T10:00:00Z"}
    return {**copy.deepcopy(review), **changes}


def test_star_rating_enum_maps_to_one_to_five_and_unspecified_to_no_rating() -> None:
    assert review_items(a_review(), OWNER)[0].rating == 2.0
    unrated = review_items(a_review(starRating="STAR_RATING_UNSPECIFIED"), OWNER)[0]
    assert unrated.rating is None and unrated.rating_scale is None
    with pytest.raises(MalformedItemError, match="SIX"):
        review_items(a_review(starRating="SIX"), OWNER)


def test_google_reviews_sync_against_loopback_replay_server(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("google_reviews")
    with CassetteServer(cassette) as server:
        result = sync(engine, clock, sleep, cassette, server.url)
    assert finished(result), result.error
    check_story(engine)
    assert cassette.requests[0] == "POST /token"


def test_the_access_token_is_reused_until_it_nearly_expires(clock: Any, sleep: Any) -> None:
    cassette = load_cassette("google_reviews")
    connector = build_connector(google_settings(BASE), secrets=SECRETS, clock=clock, sleep=sleep, policy=POLICY)
    token = connector.api.token  # type: ignore[attr-defined]
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(BASE))
        token.header()
        clock.now += timedelta(minutes=58)  # Google said 3599 s; a minute's margin is kept
        token.header()
        clock.now += timedelta(minutes=1)
        token.header()
    assert cassette.requests == ["POST /token", "POST /token"]
