"""The Bluesky connector against its cassette (recorded from the reference servers): respx and loopback."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import respx
from pydantic import ValidationError
from sqlalchemy import Engine, select

from connectors.bluesky.connector import BlueskyConnector, BlueskySettings
from connectors.bluesky.records import believable_time, parse_time
from connectors.http import RetryPolicy
from connectors.registry import build_connector
from listener.collect.sync import SyncResult, sync_source
from listener.storage.models import (
    AccountRow,
    AuthorRow,
    EngagementEventRow,
    ItemProfileRow,
    ItemRow,
    QuarantineRow,
    SyncCursorRow,
)
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer, load_cassette
from tests.contract import finished
from tests.test_bluesky_contract import (
    APP_PASSWORD,
    PASSWORD_ENV,
    bluesky_settings,
    fresh_sessions,  # noqa: F401 - autouse: no session leaks between tests
)

BASE = "https://bsky.example"
BRAND = "did:plc:acmecoffeegear2brandxyzq"
ALICE, BOB = "did:plc:alice2customer3aaaaaaaaa", "did:plc:bob2customer3bbbbbbbbbbb"
CARL, DORA = "did:plc:carl2customer3cccccccccc", "did:plc:dora2customer3dddddddddd"
POLICY = RetryPolicy(max_attempts=3, backoff_initial=0.5, backoff_max=4, max_wait_seconds=600)
EXPIRED = '{"error":"ExpiredToken","message":"Token has expired"}'


def story_uri(text_start: str) -> str:
    """The at:// URI of the fixture post whose text starts so (URIs change when re-recorded)."""
    for interaction in load_cassette("bluesky").interactions:
        for post in _posts_in(interaction["response"]["body"]):
            if post["record"]["text"].startswith(text_start) and "/3broken" not in post["uri"]:
                return str(post["uri"])
    raise LookupError(text_start)


def _posts_in(value: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(value, dict):
        if isinstance(value.get("record"), dict) and "text" in value["record"] and "uri" in value:
            found.append(value)
        for child in value.values():
            found.extend(_posts_in(child))
    elif isinstance(value, list):
        for child in value:
            found.extend(_posts_in(child))
    return found


def rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def connector(settings: BlueskySettings, clock: Any, sleep: Any, transport: Any = None,
              password: str = APP_PASSWORD) -> BlueskyConnector:
    built = build_connector(settings, secrets={"app_password": password}, transport=transport,
                            clock=clock, sleep=sleep, policy=POLICY)
    assert isinstance(built, BlueskyConnector)
    return built


class Replay:
    """A cassette behind respx that also remembers each request's headers."""

    def __init__(self, cassette: Cassette | None = None) -> None:
        self.cassette = cassette or load_cassette("bluesky")
        self.requests: list[httpx.Request] = []

    def sync(self, engine: Engine, source: BlueskyConnector, clock: Any) -> SyncResult:
        handler = self.cassette.httpx_handler(BASE)

        def remember(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return handler(request)

        with respx.mock(assert_all_called=False) as router:
            router.route().mock(side_effect=remember)
            return sync_source(engine, "acme", "Europe/Berlin", source.settings, source, clock=clock)

    def calls(self, method: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == f"/xrpc/{method}"]


def check_story(engine: Engine) -> None:
    """What the recorded story must leave in the store, whoever served it."""
    launch, answer = story_uri("Our new burr grinder"), story_uri("Sorry to hear that")
    broken, german = story_uri("Mine arrived"), story_uri("Endlich!")
    quote, mention = story_uri("This grinder"), story_uri("@acmecoffee.test where")
    items = {r["external_id"]: r for r in rows(engine, ItemRow)}
    roles = {r["external_id"]: r["role"] for r in rows(engine, ItemProfileRow)}
    assert len(items) == 10
    assert (items[launch]["kind"], roles[launch], items[launch]["url"]) == (
        "post", "owned", f"https://bsky.app/profile/{BRAND}/post/{launch.rsplit('/', 1)[1]}")
    launched = items[launch]
    assert (launched["likes"], launched["shares"], launched["replies"], launched["quotes"]) == (3, 2, 3, 1)
    answer_row = items[answer]
    assert (answer_row["kind"], roles[answer], answer_row["parent_external_id"], answer_row["root_external_id"]) == (
        "reply", "owned", broken, launch)
    quoted = items[quote]
    assert (quoted["kind"], quoted["parent_external_id"], quoted["root_external_id"]) == ("quote", launch, None)
    assert (items[mention]["kind"], roles[mention]) == ("mention", "inbound")
    assert items[german]["language"] == "de" and items[german]["text"] == "Endlich! Die Mühle ist großartig."
    shares = [i for i in items.values() if i["kind"] == "share"]
    assert len(shares) == 1 and "/app.bsky.feed.repost/" in shares[0]["external_id"]
    assert roles[shares[0]["external_id"]] == "owned"
    assert shares[0]["parent_external_id"] == story_uri("Anyone else love")
    events = {(e["item_external_id"], e["actor_external_id"], e["kind"]) for e in rows(engine, EngagementEventRow)}
    assert {(a, k) for i, a, k in events if i == launch} == {
        (ALICE, "like"), (BOB, "like"), (CARL, "like"), (ALICE, "share"), (DORA, "share"), (CARL, "quote")}
    assert [a["handle"] for a in rows(engine, AccountRow)] == ["acmecoffee.test"]
    quarantined = rows(engine, QuarantineRow)
    assert len(quarantined) == 1
    assert "author" in quarantined[0]["error"] and quarantined[0]["stream"] == "search:grinder"


def test_bluesky_sync_through_respx_stores_the_whole_story(engine: Engine, clock: Any, sleep: Any) -> None:
    result = Replay().sync(engine, connector(bluesky_settings(BASE), clock, sleep), clock)
    assert finished(result), result.error
    check_story(engine)


def test_bluesky_sync_against_loopback_replay_server(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("bluesky")
    with CassetteServer(cassette) as server:
        source = connector(bluesky_settings(server.url), clock, sleep)
        result = sync_source(engine, "acme", "UTC", source.settings, source, clock=clock)
    assert finished(result), result.error
    check_story(engine)
    assert any(r.startswith("GET /xrpc/app.bsky.notification.listNotifications") for r in cassette.requests)


def test_a_created_at_in_the_future_of_indexed_at_is_not_believed_but_kept_in_raw(
        engine: Engine, clock: Any, sleep: Any) -> None:
    Replay().sync(engine, connector(bluesky_settings(BASE), clock, sleep), clock)
    german = next(r for r in rows(engine, ItemRow) if r["external_id"] == story_uri("Endlich!"))
    claimed, indexed = parse_time(german["raw"]["record"]["createdAt"]), parse_time(german["raw"]["indexedAt"])
    assert claimed > indexed + timedelta(days=1), "the recorded client claims a time two days ahead"
    assert german["created_at"] == indexed
    launch = next(r for r in rows(engine, ItemRow) if r["external_id"] == story_uri("Our new burr grinder"))
    assert launch["created_at"] == parse_time(launch["raw"]["record"]["createdAt"])


def test_created_at_within_clock_skew_or_backdated_is_kept() -> None:
    indexed, skew = parse_time("2026-11-17T10:00:00Z"), timedelta(minutes=10)
    assert believable_time("2026-11-17T10:05:00Z", indexed, skew) == parse_time("2026-11-17T10:05:00Z")
    assert believable_time("2020-01-01T00:00:00Z", indexed, skew) == parse_time("2020-01-01T00:00:00Z")
    assert believable_time("2026-11-17T10:11:00Z", indexed, skew) == indexed
    assert believable_time("not a date", indexed, skew) == indexed
    assert believable_time("2026-11-17T10:00:00", indexed, skew) == indexed  # no zone: invalid per the spec


def test_likes_carry_when_reposts_do_not(engine: Engine, clock: Any, sleep: Any) -> None:
    Replay().sync(engine, connector(bluesky_settings(BASE), clock, sleep), clock)
    events = rows(engine, EngagementEventRow)
    assert all(e["occurred_at"] is not None for e in events if e["kind"] in ("like", "quote"))
    assert all(e["occurred_at"] is None for e in events if e["kind"] == "share")


def test_brand_profile_gives_follower_counts_and_its_posts_do_not_erase_them(engine: Engine, clock: Any,
                                                                             sleep: Any) -> None:
    Replay().sync(engine, connector(bluesky_settings(BASE), clock, sleep), clock)
    brand = next(a for a in rows(engine, AuthorRow) if a["external_id"] == BRAND)
    assert (brand["handle"], brand["display_name"], brand["followers"], brand["following"]) == (
        "acmecoffee.test", "Acme Coffee Gear", 2, 0)


def test_high_water_marks_are_iso_times_and_a_resync_stops_at_them(engine: Engine, clock: Any, sleep: Any) -> None:
    settings = bluesky_settings(BASE, overlap_minutes=0)
    first = Replay()
    first.sync(engine, connector(settings, clock, sleep), clock)
    marks = {c["stream"]: c["cursor"] for c in rows(engine, SyncCursorRow)}
    assert set(marks) == {"posts", "notifications", "search:grinder"}
    assert all(parse_time(mark) <= clock.now for mark in marks.values())
    first_count = len(rows(engine, ItemRow))
    replay = Replay()
    result = replay.sync(engine, connector(settings, clock, sleep), clock)
    assert finished(result), result.error
    assert len(replay.calls("app.bsky.feed.getAuthorFeed")) == 1, "the first page already reaches the mark"
    notifications = "app.bsky.notification.listNotifications"
    assert len(replay.calls(notifications)) < len(first.calls(notifications)), "no walk down to the empty last page"
    assert len(rows(engine, ItemRow)) == first_count


def test_the_session_token_goes_to_the_pds_only_and_the_session_is_created_once(
        engine: Engine, clock: Any, sleep: Any) -> None:
    source, replay = connector(bluesky_settings(BASE), clock, sleep), Replay()
    replay.sync(engine, source, clock)
    clock.now += timedelta(minutes=15)
    replay.sync(engine, source, clock)
    assert len(replay.calls("com.atproto.server.createSession")) == 1
    assert replay.calls("com.atproto.server.refreshSession") == []
    authed = {r.url.path for r in replay.requests if "Authorization" in r.headers}
    assert authed == {"/xrpc/app.bsky.notification.listNotifications", "/xrpc/app.bsky.feed.searchPosts"}
    session = json.loads(replay.calls("com.atproto.server.createSession")[0].content)
    assert session == {"identifier": "acmecoffee.test", "password": APP_PASSWORD}


def test_connectors_built_per_run_share_one_session(engine: Engine, clock: Any, sleep: Any) -> None:
    replay = Replay()
    for _ in range(3):  # the daemon builds a connector for every run
        replay.sync(engine, connector(bluesky_settings(BASE), clock, sleep), clock)
        clock.now += timedelta(minutes=15)
    assert len(replay.calls("com.atproto.server.createSession")) == 1


def with_refresh(cassette: Cassette) -> Cassette:
    """The cassette plus refreshSession, answering with the same (look-alike) session."""
    created = next(i for i in cassette.interactions if i["request"]["path"].endswith("createSession"))
    refreshed = json.loads(json.dumps(created))
    refreshed["request"]["path"] = "/xrpc/com.atproto.server.refreshSession"
    cassette.interactions.insert(0, refreshed)
    return cassette


def test_an_access_token_past_its_lifetime_is_refreshed_not_recreated(engine: Engine, clock: Any, sleep: Any) -> None:
    source, replay = connector(bluesky_settings(BASE), clock, sleep), Replay(with_refresh(load_cassette("bluesky")))
    replay.sync(engine, source, clock)
    clock.now += timedelta(hours=2)  # the recorded access token lives two hours
    result = replay.sync(engine, source, clock)
    assert finished(result), result.error
    assert len(replay.calls("com.atproto.server.createSession")) == 1
    refresh = replay.calls("com.atproto.server.refreshSession")
    assert len(refresh) == 1 and refresh[0].headers["Authorization"].startswith("Bearer eyJ0eXAiOiJyZWZyZXNo")


def test_expired_token_answer_refreshes_the_session_and_retries(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = with_refresh(load_cassette("bluesky"))
    replay = Replay(cassette)
    source = connector(bluesky_settings(BASE, search=[]), clock, sleep)
    original = cassette.respond

    def expire_first_notifications(method: str, path: str, query: dict[str, str], base_url: str) -> Any:
        if path.endswith("listNotifications") and not replay.calls("com.atproto.server.refreshSession"):
            cassette.requests.append(path)
            return 400, {"Content-Type": "application/json"}, EXPIRED.encode()
        return original(method, path, query, base_url)

    cassette.respond = expire_first_notifications  # type: ignore[method-assign]
    result = replay.sync(engine, source, clock)
    assert finished(result), result.error
    assert len(replay.calls("com.atproto.server.refreshSession")) == 1
    assert len(replay.calls("com.atproto.server.createSession")) == 1
    assert any(r["kind"] == "mention" for r in rows(engine, ItemRow))


def test_a_wrong_app_password_is_tried_once_and_public_streams_still_run(engine: Engine, clock: Any,
                                                                         sleep: Any) -> None:
    cassette = load_cassette("bluesky")
    refused = {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
    cassette.interactions.insert(0, {
        "request": {"method": "POST", "path": "/xrpc/com.atproto.server.createSession", "query": {}},
        "response": {"status": 401, "headers": {"Content-Type": "application/json"}, "body": refused},
    })
    replay = Replay(cassette)
    result = replay.sync(engine, connector(bluesky_settings(BASE), clock, sleep, password="wrong-pass"), clock)
    assert result.status == "partial"
    assert f"${PASSWORD_ENV}" in (result.error or "") and "wrong-pass" not in (result.error or "")
    assert len(replay.calls("com.atproto.server.createSession")) == 1
    assert len(rows(engine, ItemRow)) >= 8  # the brand's posts, replies and quotes need no password


def test_reposts_without_repost_uris_are_kept_under_a_built_id(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("bluesky")
    for interaction in cassette.interactions:
        for entry in interaction["response"]["body"].get("feed", []):
            if entry.get("reason"):
                entry["reason"].pop("uri", None)
                entry["reason"].pop("cid", None)
    result = Replay(cassette).sync(engine, connector(bluesky_settings(BASE), clock, sleep), clock)
    assert result.quarantined == 1
    shares = [r for r in rows(engine, ItemRow) if r["kind"] == "share"]
    assert shares and all(r["external_id"].startswith("repost:did:") for r in shares)


def test_settings_defaults_and_checks() -> None:
    settings = BlueskySettings.model_validate({"name": "b", "platform": "bluesky", "handle": "@acme.bsky.social"})
    assert (settings.base_url, settings.pds_url, settings.handle) == (
        "https://public.api.bsky.app", "https://bsky.social", "acme.bsky.social")
    assert settings.secret_env_names() == {}
    with pytest.raises(ValidationError, match="app_password_env"):
        BlueskySettings.model_validate({"name": "b", "platform": "bluesky", "handle": "a", "notifications": True})
    with pytest.raises(ValidationError):
        BlueskySettings.model_validate({"name": "b", "platform": "bluesky", "handle": "a", "page_size": 101})


def test_owned_posts_gone_or_blocked_on_refresh_are_counted(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("bluesky")
    threads = [i for i in cassette.interactions if i["request"]["path"] == "/xrpc/app.bsky.feed.getPostThread"]
    threads[0]["response"].update(status=400, body={"error": "NotFound", "message": "Post not found"})
    uri = threads[1]["request"]["query"]["uri"]
    threads[1]["response"]["body"] = {"thread": {"$type": "app.bsky.feed.defs#blockedPost", "uri": uri,
                                                 "blocked": True}}
    result = Replay(cassette).sync(engine, connector(bluesky_settings(BASE), clock, sleep), clock)
    assert finished(result), result.error
    assert result.streams["refresh"].skipped == {"deleted": 1, "blocked": 1}


def test_an_unreadable_liker_is_quarantined_and_unreadable_replies_are_counted(engine: Engine, clock: Any,
                                                                               sleep: Any) -> None:
    cassette = load_cassette("bluesky")
    likes = next(i for i in cassette.interactions if i["request"]["path"] == "/xrpc/app.bsky.feed.getLikes"
                 and "cursor" not in i["request"]["query"] and i["response"]["body"]["likes"])
    del likes["response"]["body"]["likes"][0]["actor"]["did"]
    thread = next(i for i in cassette.interactions if i["request"]["path"] == "/xrpc/app.bsky.feed.getPostThread"
                  and i["response"]["body"]["thread"].get("replies"))
    thread["response"]["body"]["thread"]["replies"] += [
        {"$type": "app.bsky.feed.defs#notFoundPost", "uri": "at://did:plc:gone/app.bsky.feed.post/1", "notFound": True},
        {"$type": "app.bsky.feed.defs#blockedPost", "uri": "at://did:plc:blocked/app.bsky.feed.post/2",
         "blocked": True}]
    result = Replay(cassette).sync(engine, connector(bluesky_settings(BASE), clock, sleep), clock)
    refresh = result.streams["refresh"]
    assert refresh.quarantined == 1 and "unreadable account" in (refresh.last_quarantine_error or ""), refresh
    assert refresh.skipped == {"deleted": 1, "blocked": 1} and result.status == "partial", result.error
