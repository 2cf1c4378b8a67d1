"""Bluesky against real recordings (bskyr vcr cassettes): reposts without a record URI, end to end via `ror sync`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.bluesky.session import forget_sessions
from tests.cassette import FIXTURES, Cassette
from tests.real_recordings import cassette_of, real_body, recorded_now, serve
from tests.real_sync import ror_sync

NOW = datetime(2025, 5, 6, tzinfo=UTC)
SOURCE = """platform = "bluesky"
handle = "chriskenny.bsky.social"
backfill_days = 3650
refresh_days = 0
"""


def bluesky_replay() -> Cassette:
    """The brand's author feed as recorded; getProfile answers with the brand's own profile from that feed."""
    feed = real_body("bluesky", "getAuthorFeed.json")
    brand = next(e["post"]["author"] for e in feed["feed"] if e["post"]["author"]["handle"] == "chriskenny.bsky.social")
    return cassette_of(
        serve("/xrpc/app.bsky.actor.getProfile", brand, {"actor": "chriskenny.bsky.social"}),
        serve("/xrpc/app.bsky.feed.getAuthorFeed", {"feed": []}, {"cursor": "*"}),  # past the recorded page
        serve("/xrpc/app.bsky.feed.getAuthorFeed", feed),
    )


def test_reposts_without_a_record_uri_are_stored_as_shares(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = ror_sync(tmp_path, monkeypatch, bluesky_replay(), SOURCE, NOW)
    shares = [i for i in run.items().values() if i["kind"] == "share"]
    feed = real_body("bluesky", "getAuthorFeed.json")["feed"]
    reposts = [e for e in feed if e.get("reason")]
    assert len(shares) == len(reposts) == 7, run.result.output
    assert {s["parent_external_id"] for s in shares} == {e["post"]["uri"] for e in reposts}
    first = next(s for s in shares if s["parent_external_id"] == reposts[0]["post"]["uri"])
    assert first["created_at"] == datetime(2025, 4, 25, 18, 43, 12, 48000, tzinfo=UTC)  # reason.indexedAt
    assert first["external_id"].startswith("repost:did:plc:wpe35pganb6d4pg4ekmfy6u5:at://")


def test_the_same_repost_keeps_its_id_on_the_next_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = set(ror_sync(tmp_path, monkeypatch, bluesky_replay(), SOURCE, NOW).items())
    again = set(ror_sync(tmp_path, monkeypatch, bluesky_replay(), SOURCE, NOW).items())
    assert first == again and len(first) == 50


THREAD_SOURCE = """platform = "bluesky"
handle = "soubhikbarari.bsky.social"
pds_url = "{url}"
app_password_env = "REAL_BLUESKY_APP_PASSWORD"
backfill_days = 3650
refresh_days = 90
"""
SEARCH_SOURCE = THREAD_SOURCE.replace("refresh_days = 90", 'search = ["redistricting"]\nrefresh_days = 0')


def thread_replay() -> Cassette:
    """A post's thread, likes and reposts as recorded, and a recorded search; the feed lists that post.

    Hand-made around them: getProfile (the author's profile from the thread), the one-entry
    author feed, an empty getQuotes and the app-password session (the recordings hold none).
    """
    thread = real_body("bluesky", "getPostThread.json")
    post = thread["thread"]["post"]
    session = json.loads((FIXTURES / "bluesky" / "com.atproto.server.createSession.json").read_text())
    return cassette_of(
        serve("/xrpc/app.bsky.actor.getProfile", post["author"]),
        serve("/xrpc/app.bsky.feed.getAuthorFeed", {"feed": []}, {"cursor": "*"}),
        serve("/xrpc/app.bsky.feed.getAuthorFeed", {"feed": [{"post": post}], "cursor": "end"}),
        serve("/xrpc/app.bsky.feed.getPostThread", thread),
        serve("/xrpc/app.bsky.feed.getLikes", real_body("bluesky", "getLikes.json")),
        serve("/xrpc/app.bsky.feed.getRepostedBy", real_body("bluesky", "getRepostedBy.json")),
        serve("/xrpc/app.bsky.feed.getQuotes", {"posts": []}),
        session["interactions"][0],
        serve("/xrpc/app.bsky.feed.searchPosts", {"posts": []}, {"cursor": "*"}),
        serve("/xrpc/app.bsky.feed.searchPosts", real_body("bluesky", "searchPosts.json")),
    )


def test_a_thread_its_likes_reposts_and_a_search_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two syncs into one store, each at a clock just after what it replays: the post and its likes date
    from 2023 (inside the refresh window then), the search results from 2025."""
    monkeypatch.setenv("REAL_BLUESKY_APP_PASSWORD", "not-a-real-password")
    thread = [real_body("bluesky", name) for name in ("getPostThread.json", "getLikes.json", "getRepostedBy.json")]
    post, likes, reposts = thread[0]["thread"]["post"], thread[1]["likes"], thread[2]["repostedBy"]
    forget_sessions()  # the likers' and reposters' profiles carry later times of their own: not the run's
    first = ror_sync(tmp_path, monkeypatch, thread_replay(), THREAD_SOURCE,
                     recorded_now(post, *(like["createdAt"] for like in likes)))
    forget_sessions()
    found = real_body("bluesky", "searchPosts.json")["posts"]
    run = ror_sync(tmp_path, monkeypatch, thread_replay(), SEARCH_SOURCE, recorded_now(found))
    forget_sessions()
    stored = run.items()
    for view in [post, *found]:
        row = stored[view["uri"]]
        assert (row["likes"], row["shares"], row["replies"]) == (view["likeCount"], view["repostCount"],
                                                                 view["replyCount"])
    assert len(stored) == 1 + len({p["uri"] for p in found}), run.result.output
    assert first.result.output.strip().endswith(f"{len(likes) + len(reposts)} events, 0 quarantined"), \
        first.result.output
    assert run.result.output.strip().endswith(f"{len({p['uri'] for p in found}) + 1} items, 0 events, 0 quarantined"), \
        run.result.output
