"""The YouTube connector against recorded-shape responses: through respx and a loopback server."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import respx
from pydantic import ValidationError
from sqlalchemy import Engine, select

from connectors.base import SyncContext
from connectors.errors import WaitTooLongError
from connectors.http import RetryPolicy
from connectors.registry import build_connector
from connectors.youtube.api import redact, seconds_until_quota_reset
from connectors.youtube.connector import UploadsStream, YouTubeSettings
from listener.collect.sync import SyncResult, sync_source
from listener.storage.models import AuthorRow, ItemProfileRow, ItemRow, QuarantineRow, SyncCursorRow
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer, load_cassette
from tests.contract import finished
from tests.test_youtube_contract import API_KEY, youtube_settings

BASE = "https://www.googleapis.com"
CHANNEL = "UCq8mXc4Ht1bAcmeCoffee0w"
HOWTO, FIRMWARE, UNBOXING, FAIR, REVIEW = "Dx7QmR2pLk4", "Fw9Tz1sNh6E", "Ub3Kc8vYq0M", "Op5Jd2gWr7T", "Rv4Nx9cBm2Q"
QUESTION = "UgxB7bQe4mN1sD8fG2hJAaABAg"
BRAND_ANSWER = f"{QUESTION}.9vK2mQ7xRt3LpN8cWb1Z01"
POLICY = RetryPolicy(max_attempts=3, backoff_initial=0.5, backoff_max=4, max_wait_seconds=600)


def google_error(status: int, reason: str, message: str) -> str:
    """A Google API error body."""
    return json.dumps({"error": {"code": status, "message": message,
                                 "errors": [{"message": message, "domain": "youtube.quota", "reason": reason}]}})


QUOTA_EXCEEDED = google_error(403, "quotaExceeded",
                              "The request cannot be completed because you have exceeded your quota.")


def run(engine: Engine, clock: Any, sleep: Any, cassette: Cassette | None = None, base: str = BASE,
        transport: Any = None, **overrides: Any) -> tuple[SyncResult, Cassette]:
    """One sync of the fixture channel, through respx unless a transport or server base is given."""
    cassette = cassette or load_cassette("youtube")
    settings = youtube_settings(base, **overrides)
    connector = build_connector(settings, secrets={"api_key": API_KEY}, transport=transport, clock=clock,
                                sleep=sleep, policy=POLICY)
    if base != BASE:
        return sync_source(engine, "acme", "Europe/Berlin", settings, connector, clock=clock), cassette
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(base))
        return sync_source(engine, "acme", "Europe/Berlin", settings, connector, clock=clock), cassette


def rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def items(engine: Engine) -> dict[str, dict[str, Any]]:
    return {r["external_id"]: r for r in rows(engine, ItemRow)}


def check_story(engine: Engine) -> None:
    """What the fixture story must leave in the store, whoever served it."""
    stored = items(engine)
    assert FAIR not in stored, "older than the backfill start"
    howto = stored[HOWTO]
    assert (howto["kind"], howto["likes"], howto["views"], howto["replies"]) == ("post", 312, 5210, 10)
    assert howto["text"].startswith("How to descale your Acme grinder in 5 minutes\n\nSqueaks")
    assert howto["url"] == f"https://www.youtube.com/watch?v={HOWTO}" and howto["language"] == "en"
    assert stored[FIRMWARE]["replies"] is None, "comments off: YouTube sends no commentCount"
    question = stored[QUESTION]
    assert (question["kind"], question["parent_external_id"], question["root_external_id"]) == ("comment", HOWTO, HOWTO)
    assert question["replies"] == 6
    assert question["text"] == "Which descaler do you recommend? The manual says one thing & the website another."
    replies = [r for r in stored.values() if r["parent_external_id"] == QUESTION]
    assert len(replies) == 6, "the sixth reply comes from comments.list"
    assert all(r["kind"] == "reply" and r["root_external_id"] == HOWTO for r in replies)
    answer = stored[BRAND_ANSWER]
    assert answer["author_external_id"] == CHANNEL and "https://acme.example/descale" in answer["text"]
    frank = [r for r in replies if r["text"].startswith("Citric acid")][0]
    assert frank["text"] == "Citric acid worked fine for me.\nTook 10 minutes, didn't smell."
    roles = {r["external_id"]: r["role"] for r in rows(engine, ItemProfileRow)}
    assert roles[BRAND_ANSWER] == "owned" and roles[HOWTO] == "owned" and roles[QUESTION] == "inbound"
    review = stored[REVIEW]
    assert (review["kind"], roles[REVIEW], review["author_external_id"]) == ("mention", "inbound",
                                                                             "UCz3Nerd7CoffeeReviewsQA")
    followers = {r["external_id"]: r["followers"] for r in rows(engine, AuthorRow)}
    assert followers[CHANNEL] == 18400
    quarantined = rows(engine, QuarantineRow)
    assert [q["external_id"] for q in quarantined] == ["Ugz5BrK3nQ8mW2xL6pY9AaABAg"]
    cursors = {c["stream"]: c["cursor"] for c in rows(engine, SyncCursorRow)}
    assert cursors["uploads"] == "2026-11-16T16:00:00Z"
    assert json.loads(cursors["search:acme grinder"]) == {"published_after": "2026-11-16T16:00:00Z",
                                                          "searched_at": "2026-11-18T13:00:00Z"}


def test_youtube_sync_through_respx_stores_videos_comments_replies_and_mentions(
        engine: Engine, clock: Any, sleep: Any) -> None:
    result, _ = run(engine, clock, sleep)
    assert finished(result), result.error
    check_story(engine)


def test_youtube_sync_against_loopback_replay_server(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("youtube")
    with CassetteServer(cassette) as server:
        result, _ = run(engine, clock, sleep, cassette, base=server.url)
    assert finished(result), result.error
    check_story(engine)
    assert any(r.startswith("GET /youtube/v3/comments?") for r in cassette.requests)


def test_counts_sent_as_strings_are_stored_as_numbers(engine: Engine, clock: Any, sleep: Any) -> None:
    run(engine, clock, sleep)
    unboxing = items(engine)[UNBOXING]
    assert (unboxing["likes"], unboxing["replies"], unboxing["views"]) == (980, 57, 20311)


def test_next_sync_reads_only_newer_uploads_and_waits_for_the_search_interval(engine: Engine, clock: Any,
                                                                              sleep: Any) -> None:
    run(engine, clock, sleep)
    clock.now += timedelta(hours=1)
    second, cassette = run(engine, clock, sleep)
    assert finished(second), second.error
    playlist = [r for r in cassette.requests if "/playlistItems" in r]
    assert len(playlist) == 1 and "pageToken" not in playlist[0], "stops at the newest stored video"
    assert not any("/search" in r for r in cassette.requests), "a search costs 100 units: not before 6 hours"
    clock.now += timedelta(hours=6)
    third, cassette = run(engine, clock, sleep)
    searches = [r for r in cassette.requests if "/search" in r]
    assert finished(third) and len(searches) == 1
    assert "publishedAfter=2026-11-16T16:00:00Z" in searches[0]


def test_comments_disabled_keeps_the_video_and_the_run_ok(engine: Engine, clock: Any, sleep: Any) -> None:
    result, cassette = run(engine, clock, sleep)
    assert any(f"videoId={FIRMWARE}" in r for r in cassette.requests)
    assert finished(result) and FIRMWARE in items(engine)
    assert not [r for r in items(engine).values() if r["parent_external_id"] == FIRMWARE]


def test_quota_exceeded_is_deferred_until_midnight_pacific_not_an_auth_error(engine: Engine, clock: Any,
                                                                             sleep: Any) -> None:
    cassette = load_cassette("youtube")
    cassette.fail_next(403, {"Content-Type": "application/json"}, QUOTA_EXCEEDED)
    result, _ = run(engine, clock, sleep, cassette)
    assert result.status == "deferred", result.error
    assert "quota" in (result.error or "") and "credential" not in (result.error or "")
    assert sleep.calls == [], "19 hours is not slept: the next run resumes"


def test_quota_exceeded_wait_is_the_time_to_the_reset(clock: Any, sleep: Any) -> None:
    cassette = load_cassette("youtube")
    cassette.fail_next(403, {"Content-Type": "application/json"}, QUOTA_EXCEEDED)
    connector = build_connector(youtube_settings(BASE), secrets={"api_key": API_KEY}, clock=clock, sleep=sleep,
                                policy=POLICY)
    stream = connector.streams()[0]
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(BASE))
        with pytest.raises(WaitTooLongError) as raised:
            list(stream.iter_pages(SyncContext(cursor=None, now=clock())))
    assert raised.value.wait_seconds == 19 * 3600  # 05:00 PST -> midnight


def test_quota_exceeded_shortly_before_the_reset_sleeps_then_succeeds(engine: Engine, clock: Any, sleep: Any) -> None:
    clock.now = datetime(2026, 11, 19, 7, 57, tzinfo=UTC)  # 23:57 PST
    cassette = load_cassette("youtube")
    cassette.fail_next(403, {"Content-Type": "application/json"}, QUOTA_EXCEEDED)
    result, _ = run(engine, clock, sleep, cassette)
    assert finished(result), result.error
    assert sleep.calls[0] == pytest.approx(180)


def test_seconds_until_quota_reset_follows_pacific_daylight_time() -> None:
    assert seconds_until_quota_reset(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == 19 * 3600  # 05:00 PDT
    assert seconds_until_quota_reset(datetime(2026, 11, 19, 8, 0, 1, tzinfo=UTC)) == 24 * 3600 - 1
    # 2026-03-08 has 23 hours in Los Angeles: from 00:30 PST to the next midnight PDT is 22.5 h.
    assert seconds_until_quota_reset(datetime(2026, 3, 8, 8, 30, tzinfo=UTC)) == 22.5 * 3600


@pytest.mark.parametrize("status,reason", [(400, "keyInvalid"), (403, "forbidden")])
def test_refused_key_names_the_variable_and_never_shows_the_key(engine: Engine, clock: Any, sleep: Any,
                                                                 status: int, reason: str) -> None:
    cassette = load_cassette("youtube")
    body = google_error(status, reason, "API key not valid.")
    cassette.fail_next(status, {"Content-Type": "application/json"}, body, count=100)
    result, _ = run(engine, clock, sleep, cassette)
    assert result.status == "failed"
    assert "$TEST_YOUTUBE_API_KEY" in (result.error or "")
    assert API_KEY not in (result.error or "") and "key=" not in (result.error or "")


def test_api_key_is_redacted_from_httpx_request_logs(engine: Engine, clock: Any, sleep: Any,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="httpx"):
        run(engine, clock, sleep)
    requests = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert requests and all("key=[redacted]" in m for m in requests)
    assert API_KEY not in caplog.text


def test_redact_removes_key_values_from_urls() -> None:
    text = "GET https://www.googleapis.com/youtube/v3/videos?id=x&key=AIzaSecret&part=snippet failed"
    assert redact(text, None) == (
        "GET https://www.googleapis.com/youtube/v3/videos?id=x&key=[redacted]&part=snippet failed")
    assert redact("boom AIzaSecret", "AIzaSecret") == "boom [redacted]"


def test_channel_id_skips_the_handle_lookup(clock: Any, sleep: Any) -> None:
    cassette = load_cassette("youtube")
    for interaction in cassette.interactions:
        if interaction["request"]["path"].endswith("/channels"):
            interaction["request"]["query"] = {"id": CHANNEL}
    settings = youtube_settings(BASE, handle=None, channel_id=CHANNEL)
    connector = build_connector(settings, secrets={"api_key": API_KEY}, clock=clock, sleep=sleep, policy=POLICY)
    stream = connector.streams()[0]
    assert isinstance(stream, UploadsStream)
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(BASE))
        pages = list(stream.iter_pages(SyncContext(cursor="2026-11-01T00:00:00Z", now=clock())))
    assert [i.external_id for p in pages for i in p.items] == [HOWTO, FIRMWARE]
    assert pages[-1].cursor == "2026-11-16T16:00:00Z"
    assert "id=UCq8mXc4Ht1bAcmeCoffee0w" in cassette.requests[0]


def test_settings_need_exactly_one_of_channel_id_and_handle() -> None:
    base = {"name": "yt", "platform": "youtube", "api_key_env": "YT_KEY"}
    with pytest.raises(ValidationError, match="exactly one"):
        YouTubeSettings.model_validate(base)
    with pytest.raises(ValidationError, match="exactly one"):
        YouTubeSettings.model_validate({**base, "handle": "@a", "channel_id": CHANNEL})
    settings = YouTubeSettings.model_validate({**base, "handle": "@acme"})
    assert settings.base_url == "https://www.googleapis.com/youtube/v3"
    assert settings.secret_env_names() == {"api_key": "YT_KEY"}
    assert settings.search == []


def test_replies_behind_a_failed_comments_list_are_counted_and_the_run_is_partial(engine: Engine, clock: Any,
                                                                                 sleep: Any) -> None:
    cassette = load_cassette("youtube")
    cassette.interactions = [i for i in cassette.interactions if i["request"]["path"] != "/youtube/v3/comments"]
    result, _ = run(engine, clock, sleep, cassette)  # comments.list?parentId= now answers 404
    replies = [r for r in items(engine).values() if r["parent_external_id"] == QUESTION]
    assert len(replies) == 5, "the replies the thread carried are kept"
    assert result.status == "partial" and result.unexpanded == 1
    assert result.streams["refresh"].unexpanded == 1
    assert f"refresh: 1 part(s) not read: replies to comment {QUESTION}" in (result.error or "")
    assert API_KEY not in (result.error or ""), result.error


def test_comment_threads_cut_off_by_a_refusal_are_counted_and_commentsdisabled_is_not(engine: Engine, clock: Any,
                                                                                      sleep: Any) -> None:
    cassette = load_cassette("youtube")
    second = next(i for i in cassette.interactions if "pageToken" in i["request"]["query"]
                  and i["request"]["path"] == "/youtube/v3/commentThreads")
    second["response"].update(status=404, body=google_error(404, "videoNotFound", "The video was not found."))
    result, _ = run(engine, clock, sleep, cassette)
    stored = items(engine)
    read = [r for r in stored.values() if r["root_external_id"] == HOWTO]
    assert QUESTION in stored and read, "the first page of threads is kept"
    assert result.status == "partial" and result.streams["refresh"].unexpanded == 10 - len(read)  # commentCount 10
    assert f"comments of video {HOWTO} not read" in (result.error or "")
    assert FIRMWARE not in (result.error or ""), "comments turned off lose nothing"


def test_uploads_and_search_results_videos_list_no_longer_returns_are_counted(engine: Engine, clock: Any,
                                                                             sleep: Any) -> None:
    cassette = load_cassette("youtube")
    for interaction in cassette.interactions:  # videos.list leaves out the unboxing and the review: deleted
        body = interaction["response"]["body"]
        if interaction["request"]["path"] == "/youtube/v3/videos" and isinstance(body, dict):
            body["items"] = [v for v in body.get("items", []) if v["id"] not in (UNBOXING, REVIEW)]
    result, _ = run(engine, clock, sleep, cassette)
    assert not {UNBOXING, REVIEW} & set(items(engine))
    assert result.streams["uploads"].skipped == {"deleted": 1}, result.streams
    assert result.streams["search:acme grinder"].skipped == {"deleted": 1}, result.streams
