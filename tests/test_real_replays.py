"""Every platform with real recordings, replayed on loopback end to end through `ror sync`.

Each test serves the recorded bodies as the connector asks for them and checks that every
record in them was stored (or said why not), and that stored counters equal the recorded ones.
The figures here are the table in docs/connectors.md.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from listener.cli.main import app
from tests.cassette import Cassette
from tests.real_recordings import cassette_of, real_body, recorded_now, serve
from tests.real_sync import ReplayRun, ror_sync
from tests.test_real_hackernews import NOW as HN_NOW
from tests.test_real_hackernews import SOURCE as HN_SOURCE
from tests.test_real_hackernews import hn_replay
from tests.test_real_mastodon import SOURCE as MASTODON_SOURCE
from tests.test_real_mastodon import mastodon_replay
from tests.test_real_reddit import reddit_secrets, token  # noqa: F401 - autouse fixture


def summary(run: ReplayRun) -> str:
    """The run's one-line result as `ror sync` printed it."""
    return run.result.output.strip().splitlines()[-1]


def test_mastodon_real_statuses_and_mentions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REAL_MASTODON_TOKEN", "not-a-real-token")
    source = MASTODON_SOURCE.replace("backfill_days = 30", "backfill_days = 3650")
    run = ror_sync(tmp_path, monkeypatch, mastodon_replay("notifications_mastodon_social.json"), source,
                   datetime(2026, 8, 2, tzinfo=UTC))
    statuses = real_body("mastodon", "accounts_statuses.json")
    notes = real_body("mastodon", "notifications_mastodon_social.json")
    mentions = [n["status"] for n in notes if n["status"] is not None]
    stored = run.items()
    host = next(iter(stored)).split("/", 1)[0]
    for status in statuses + mentions:
        row = stored[f"{host}/{status['id']}"]
        assert (row["likes"], row["shares"], row["replies"]) == (
            status["favourites_count"], status["reblogs_count"], status["replies_count"])
    # 39 of the 40 recorded mentions carry `status: null` (deleted since): counted as skipped, not stored
    assert len(stored) == len(statuses) + len(mentions) == 6
    assert summary(run) == "real: ok, 6 items, 0 events, 0 quarantined"
    skipped = json.loads(CliRunner().invoke(app, ["status", "--json", "--config", str(tmp_path / "ror.toml")]).stdout)
    assert skipped[0]["last_run"]["streams"]["mentions"]["skipped"] == {"mention of a deleted status": 39}
    assert run.cursors()["mentions"] == "550622655"


def test_app_store_real_feeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    feed = "/jp/rss/customerreviews/page={n}/id=375380948/sortby=mostrecent/json"
    replay = cassette_of(serve(feed.format(n=1), real_body("appstore", "customerreviews_jp_mostrecent.json")),
                         serve(feed.format(n=2), real_body("appstore", "customerreviews_empty.json")))
    source = 'platform = "appstore"\napp_id = "375380948"\ncountries = ["jp"]\nbackfill_days = 3650\n'
    run = ror_sync(tmp_path, monkeypatch, replay, source, datetime(2015, 6, 20, tzinfo=UTC))
    entries = real_body("appstore", "customerreviews_jp_mostrecent.json")["feed"]["entry"]
    stored = run.items()
    assert len(stored) == len(entries) - 1 == 50, summary(run)  # entry 0 is the app itself
    assert all(stored[e["id"]["label"]]["rating"] == float(e["im:rating"]["label"]) for e in entries[1:])
    assert all(stored[e["id"]["label"]]["likes"] == int(e["im:voteSum"]["label"]) for e in entries[1:])
    assert summary(run) == "real: ok, 50 items, 0 events, 0 quarantined"


def test_app_store_real_podcast_feed_with_dates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    feed = "/us/rss/customerreviews/page={n}/id=811377230/sortby=mostrecent/json"
    replay = cassette_of(serve(feed.format(n=1), real_body("appstore", "customerreviews_podcast_us.json")),
                         serve(feed.format(n=2), real_body("appstore", "customerreviews_empty.json")))
    source = 'platform = "appstore"\napp_id = "811377230"\ncountries = ["us"]\nbackfill_days = 3650\n'
    run = ror_sync(tmp_path, monkeypatch, replay, source, datetime(2022, 4, 3, tzinfo=UTC))
    entries = real_body("appstore", "customerreviews_podcast_us.json")["feed"]["entry"]
    stored = run.items()
    assert len(stored) == len(entries) == 50 and summary(run) == "real: ok, 50 items, 0 events, 0 quarantined"
    assert all(stored[e["id"]["label"]]["likes"] == int(e["im:voteSum"]["label"]) for e in entries)
    assert all(stored[e["id"]["label"]]["rating"] == float(e["im:rating"]["label"]) for e in entries)


def test_reddit_real_listing_search_and_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    thread = real_body("reddit", "submission_comments.json")
    more = real_body("reddit", "submission_comments_with_more.json")
    replay = cassette_of(
        token(),
        serve("/r/askreddit/new", real_body("reddit", "subreddit_new.json"), {"after": "*"}, status=200),
        serve("/r/askreddit/new", real_body("reddit", "subreddit_new.json")),
        serve("/search", real_body("reddit", "subreddit_search.json")),
        serve("/comments/2gmzqe", thread),
        serve("/comments/ablzuq", more),
        serve("/api/morechildren", real_body("reddit", "morechildren.json")),
    )
    replay.interactions[1]["response"]["body"] = {"kind": "Listing", "data": {"children": [], "after": None}}
    source = ('platform = "reddit"\ntoken_url = "{url}/api/v1/access_token"\nsubreddits = ["askreddit"]\n'
              'search = ["praw oauth search"]\ncomments = false\nbackfill_days = 3650\n')
    run = ror_sync(tmp_path, monkeypatch, replay, source, datetime(2016, 3, 18, tzinfo=UTC))
    listed = real_body("reddit", "subreddit_new.json")["data"]["children"]
    found = real_body("reddit", "subreddit_search.json")["data"]["children"]
    stored = run.items()
    for thing in listed + found:
        data = thing["data"]
        assert (stored[data["name"]]["likes"], stored[data["name"]]["replies"]) == (data["score"], data["num_comments"])
    assert len(stored) == len({t["data"]["name"] for t in listed + found}) == 106
    print(summary(run))


def youtube_channel(channel_id: str) -> dict:
    """channels.list for the brand (hand-made: no real capture; only the fields the connector reads)."""
    return {"kind": "youtube#channelListResponse", "items": [{
        "id": channel_id, "snippet": {"title": "Google Developers", "customUrl": "@googledevelopers"},
        "contentDetails": {"relatedPlaylists": {"uploads": "UU" + channel_id[2:]}}, "statistics": {}}]}


YOUTUBE_BRAND = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
YOUTUBE_SOURCE = (f'platform = "youtube"\nchannel_id = "{YOUTUBE_BRAND}"\napi_key_env = "REAL_YOUTUBE_KEY"\n'
                  'backfill_days = 3650\nrefresh_days = 90\n')


def youtube_replay(videos: dict[str, Any]) -> Cassette:
    """The brand's channel and uploads (hand-made around the real video), then real bodies for the rest."""
    video = real_body("youtube", "videos_list_single.json")["items"][0]
    uploads = {"kind": "youtube#playlistItemListResponse", "items": [{  # hand-made: no real playlistItems capture
        "id": "UExfeDVYRzFPVjJQNnVaWjVGU005VHR3LkQtbGhvcnNEbFVR",
        "snippet": {"publishedAt": video["snippet"]["publishedAt"], "channelId": YOUTUBE_BRAND},
        "contentDetails": {"videoId": video["id"], "videoPublishedAt": video["snippet"]["publishedAt"]}}]}
    return cassette_of(
        serve("/channels", youtube_channel(YOUTUBE_BRAND)),
        serve("/playlistItems", uploads),
        serve("/videos", videos, {"id": "*"}),
        serve("/commentThreads", real_body("youtube", "commentThreads_list_by_id.json")),
        serve("/comments", real_body("youtube", "comments_list_by_parent.json")),
        serve("/search", real_body("youtube", "search_list_by_channel.json")),
    )


def test_youtube_real_videos_comment_threads_and_search(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two syncs into one store, each at a clock just after what it replays: the video's comment
    threads date from April 2019 (inside the refresh window then), the search's videos from September."""
    monkeypatch.setenv("REAL_YOUTUBE_KEY", "not-a-real-key")
    single, by_id = (real_body("youtube", name) for name in ("videos_list_single.json", "videos_list_by_id.json"))
    threads = real_body("youtube", "commentThreads_list_by_id.json")
    first = ror_sync(tmp_path, monkeypatch, youtube_replay(single), YOUTUBE_SOURCE, recorded_now(single, threads))
    searched = real_body("youtube", "search_list_by_channel.json")
    run = ror_sync(tmp_path, monkeypatch, youtube_replay(by_id),
                   YOUTUBE_SOURCE.replace("refresh_days = 90", 'search = ["google"]\nrefresh_days = 0'),
                   recorded_now(searched, by_id))
    stored = run.items()
    video = single["items"][0]
    for thread in threads["items"]:
        top = thread["snippet"]["topLevelComment"]
        row = stored[top["id"]]
        assert row["text"] == top["snippet"]["textOriginal"] and row["likes"] == top["snippet"]["likeCount"]
        assert row["parent_external_id"] == video["id"]
    assert set(stored) == {v["id"] for v in by_id["items"]} | {t["id"] for t in threads["items"]}
    assert stored[video["id"]]["kind"] == "post" and stored["ovdbrdCIP7U"]["kind"] == "mention"
    # uploads and the refresh both store the brand's video, and the refresh its two comment threads;
    # the search stores both videos again
    assert summary(first) == "real: ok, 4 items, 0 events, 0 quarantined"
    assert summary(run) == "real: ok, 2 items, 0 events, 0 quarantined"
    # videos.list was recorded for two other videos than the search's five: those five are counted as deleted
    shown = json.loads(CliRunner().invoke(app, ["status", "--json", "--config", str(tmp_path / "ror.toml")]).stdout)
    assert shown[0]["last_run"]["streams"]["search:google"]["skipped"] == {"deleted": 5}


def test_hackernews_real_search_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = ror_sync(tmp_path, monkeypatch, hn_replay(), HN_SOURCE, HN_NOW)
    hits = [real_body("hackernews", name)["hits"][0] for name in (
        "search_by_date_poll.json", "search_by_date_comment.json", "search_by_date_story_or_poll.json",
        "search_by_date_ask_hn_query.json", "search_by_date_poll_author_pg.json", "search_poll_query.json")]
    stored = run.items()
    for hit in hits:
        row = stored[hit["objectID"]]
        assert row["likes"] == hit["points"]
    assert len(stored) == len(hits) == 6 and summary(run) == "real: ok, 6 items, 0 events, 0 quarantined"
