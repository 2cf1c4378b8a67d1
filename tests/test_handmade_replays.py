"""Fixes first found on real recordings, kept in CI on hand-written bodies of the same shape, via `ror sync`.

The real recordings live outside the repository (tests/real_recordings.py); these bodies are our own
(tests/fixtures/<platform>/handmade/ and the platform cassettes), with the property each fix depends on.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from connectors.mastodon.connector import MastodonApi, MastodonSettings
from connectors.reddit.things import flatten_tree
from listener.cli.main import app
from listener.collect.status import source_statuses
from listener.config.settings import load_config
from listener.daemon.health import DaemonMetrics
from listener.storage.models import ItemRow
from listener.storage.store import ensure_profile, save_page
from listener.storage.upsert import table_of
from tests.cassette import FIXTURES, Cassette, handmade_body, load_cassette
from tests.conftest import FIXED_NOW, FakeClock
from tests.real_recordings import cassette_of, serve
from tests.real_sync import ror_sync
from tests.test_discourse_connector import run as discourse_run
from tests.test_discourse_connector import stored as discourse_posts
from tests.test_hackernews_connector import rows as hackernews_rows
from tests.test_hackernews_connector import sync_respx as hackernews_sync

RECORDED_BASE = "https://mastodon.example"


def cassette_body(platform: str, name: str, index: int = 0) -> Any:
    """The response body of one interaction of a platform cassette."""
    interactions = json.loads((FIXTURES / platform / name).read_text(encoding="utf-8"))["interactions"]
    return interactions[index]["response"]["body"]


def cassette_interactions(platform: str, *names: str) -> list[dict[str, Any]]:
    """Every interaction of the named cassettes, in order."""
    return [i for name in names for i in json.loads((FIXTURES / platform / name).read_text())["interactions"]]


# Reddit: a thread whose `more` stub cannot be expanded (morechildren answers 404).

REDDIT_SOURCE = """platform = "reddit"
token_url = "{url}/api/v1/access_token"
search = ["acme"]
backfill_days = 30
"""
REDDIT_THREAD = "1gs7b02"  # the descaling thread: leaf comments have `replies: ""`, two comments behind a stub


def reddit_token() -> dict[str, Any]:
    """The token exchange from the Reddit cassette."""
    return cassette_interactions("reddit", "access_token.json")[0]


def reddit_thread() -> list[Any]:
    """`GET /comments/{article}` of the descaling thread: [post Listing, comment Listing]."""
    return cassette_body("reddit", "comments.json")


def reddit_tree_replay(more: dict[str, Any]) -> Cassette:
    """A search finding the thread's post, the thread with its `more` stub, and `more` for /api/morechildren."""
    thread = reddit_thread()
    return cassette_of(reddit_token(), serve("/search", thread[0]), serve(f"/comments/{REDDIT_THREAD}", thread), more)


@pytest.fixture
def reddit_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app credentials the Reddit source reads from the environment."""
    monkeypatch.setenv("REDDIT_CLIENT_ID", "handmade-id")
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "handmade-secret")


@pytest.mark.usefixtures("reddit_secrets")
def test_reddit_failed_morechildren_keeps_the_comments_read_and_counts_the_rest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gone = serve("/api/morechildren", {"message": "Not Found", "error": 404}, status=404)
    run = ror_sync(tmp_path, monkeypatch, reddit_tree_replay(gone), REDDIT_SOURCE, FIXED_NOW)
    read, stubs = flatten_tree(reddit_thread()[1]["data"]["children"])
    assert stubs and any(t["data"]["replies"] == "" for t in read)  # Reddit's "no replies" is an empty string
    assert {f"t3_{REDDIT_THREAD}", *(t["data"]["name"] for t in read)} <= set(run.items()), run.result.output
    unread = sum(len(stub["children"]) for stub in stubs)
    assert f"real: partial, {1 + len(read)} items" in run.result.output
    assert f"{unread} part(s) not read" in run.result.output and "404" in run.result.output


# Mastodon: notification ids are the server's own small sequence, not dates or snowflakes.

MASTODON_SOURCE = """platform = "mastodon"
account = "acme"
mentions = true
token_env = "HANDMADE_MASTODON_TOKEN"
backfill_days = 30
"""


def mastodon_replay() -> Cassette:
    """The brand's account and statuses (cassettes) and mentions numbered 7, 6 and 4."""
    return Cassette([
        *cassette_interactions("mastodon", "accounts_lookup.json", "accounts_statuses.json", "statuses_context.json"),
        serve("/api/v1/notifications", [], {"types[]": "mention", "min_id": "*"}),  # past every id in the sequence
        serve("/api/v1/notifications", [], {"types[]": "mention", "max_id": "*"}),
        serve("/api/v1/notifications", handmade_body("mastodon", "notifications_sequence.json"),
              {"types[]": "mention"}),
    ], [RECORDED_BASE])


def test_mastodon_mentions_are_collected_though_notification_ids_are_a_sequence(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDMADE_MASTODON_TOKEN", "not-a-real-token")
    run = ror_sync(tmp_path, monkeypatch, mastodon_replay(), MASTODON_SOURCE, FIXED_NOW)
    notes = handmade_body("mastodon", "notifications_sequence.json")
    mentions = [i for i in run.items().values() if i["kind"] == "mention"]
    assert [m["external_id"].split("/", 1)[1] for m in mentions] == [notes[0]["status"]["id"]], run.result.output
    assert run.cursors()["mentions"] == "7"
    # one mention of a deleted status (status: null), one notification of another type (no status key)
    assert run.quarantine() == [] and run.result.exit_code == 0, run.result.output
    status = CliRunner().invoke(app, ["status", "--json", "--config", str(tmp_path / "ror.toml")]).output
    assert json.loads(status)[0]["last_run"]["streams"]["mentions"]["skipped"] == {
        "mention of a deleted status": 1, "not a mention": 1}


def grouped(notifications: list[dict[str, Any]]) -> dict[str, Any]:
    """The same notifications as the grouped version 2 list answers them (each ungrouped: mentions are not grouped)."""
    return {"accounts": [n["account"] for n in notifications], "partial_accounts": [],
            "statuses": [n["status"] for n in notifications if n.get("status")],
            "notification_groups": [{
                "group_key": f"ungrouped-{n['id']}", "notifications_count": 1, "type": n["type"],
                "most_recent_notification_id": int(n["id"]), "page_min_id": n["id"], "page_max_id": n["id"],
                "latest_page_notification_at": n["created_at"], "sample_account_ids": [n["account"]["id"]],
                "status_id": n["status"]["id"] if n.get("status") else None} for n in notifications]}


def test_mastodon_mentions_come_from_grouped_notifications_where_the_server_has_no_version_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDMADE_MASTODON_TOKEN", "not-a-real-token")
    replay = mastodon_replay()
    notes = handmade_body("mastodon", "notifications_sequence.json")
    v1 = [i for i in replay.interactions if i["request"]["path"] == "/api/v1/notifications"]
    v2 = [serve("/api/v2/notifications", grouped(i["response"]["body"]), i["request"]["query"]) for i in v1]
    replay.interactions = [i for i in replay.interactions if i not in v1] + v2  # version 1 now answers 404
    run = ror_sync(tmp_path, monkeypatch, replay, MASTODON_SOURCE, FIXED_NOW)
    mentions = [i for i in run.items().values() if i["kind"] == "mention"]
    assert [m["external_id"].split("/", 1)[1] for m in mentions] == [notes[0]["status"]["id"]], run.result.output
    assert run.cursors()["mentions"] == "7" and run.result.exit_code == 0, run.result.output
    assert sum(r.startswith("GET /api/v1/notifications") for r in run.requests) == 1, run.requests
    status = CliRunner().invoke(app, ["status", "--json", "--config", str(tmp_path / "ror.toml")]).output
    assert json.loads(status)[0]["last_run"]["streams"]["mentions"]["skipped"] == {
        "mention of a deleted status": 1, "not a mention": 1}


@pytest.mark.parametrize("parent_last", [False, True], ids=["parent first", "parent last"])
def test_mastodon_reply_read_outside_its_thread_gets_its_root_from_the_stored_parent(engine: Engine,
                                                                                      parent_last: bool) -> None:
    top = handmade_body("mastodon", "notifications_sequence.json")[0]["status"]
    reply = {**top, "id": "117640000000000031", "in_reply_to_id": top["id"]}
    deeper = {**reply, "id": "117640000000000041", "in_reply_to_id": reply["id"]}
    api = MastodonApi(MastodonSettings(name="m", platform="mastodon", base_url="https://mastodon.example",
                                       account="acme"), session=None)  # type: ignore[arg-type]
    api._brand = top["account"]
    clock = FakeClock()
    pages = [("tag:x", [top]), ("mentions", [reply, deeper])]  # the reply and a reply to it, on another stream
    with engine.begin() as connection:
        profile = ensure_profile(connection, "brand", "UTC")
    for stream, statuses in (reversed(pages) if parent_last else pages):
        with engine.begin() as connection:
            save_page(connection, profile, "m", stream, api.page_of_statuses(statuses), clock())
    with engine.connect() as connection:
        items = table_of(ItemRow)
        roots = dict(connection.execute(select(items.c.external_id, items.c.root_external_id)).all())
    root = f"mastodon.example/{top['id']}"
    assert roots[f"mastodon.example/{reply['id']}"] == root and roots[f"mastodon.example/{deeper['id']}"] == root


# Bluesky: the AppView's reasonRepost carries no uri or cid.

BLUESKY_SOURCE = """platform = "bluesky"
handle = "acme.example"
backfill_days = 30
refresh_days = 0
"""


def bluesky_replay() -> Cassette:
    """The brand's profile and an author feed with two reposts whose reason has no uri."""
    feed = handmade_body("bluesky", "getAuthorFeed_reposts.json")
    brand = next(e["post"]["author"] for e in feed["feed"] if e["post"]["author"]["handle"] == "acme.example")
    return cassette_of(
        serve("/xrpc/app.bsky.actor.getProfile", brand, {"actor": "acme.example"}),
        serve("/xrpc/app.bsky.feed.getAuthorFeed", {"feed": []}, {"cursor": "*"}),
        serve("/xrpc/app.bsky.feed.getAuthorFeed", feed),
    )


def test_bluesky_reposts_without_a_record_uri_are_stored_as_shares_under_a_stable_id(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reposts = [e for e in handmade_body("bluesky", "getAuthorFeed_reposts.json")["feed"] if e.get("reason")]
    assert reposts and all("uri" not in e["reason"] for e in reposts)
    run = ror_sync(tmp_path, monkeypatch, bluesky_replay(), BLUESKY_SOURCE, FIXED_NOW)
    shares = [i for i in run.items().values() if i["kind"] == "share"]
    assert {s["parent_external_id"] for s in shares} == {e["post"]["uri"] for e in reposts}, run.result.output
    first = next(s for s in shares if s["parent_external_id"] == reposts[0]["post"]["uri"])
    assert first["created_at"] == datetime(2026, 11, 16, 19, 2, 11, 250000, tzinfo=UTC)  # reason.indexedAt
    assert first["external_id"].startswith("repost:did:plc:acmebrandhandmade0000001:at://")
    again = ror_sync(tmp_path, monkeypatch, bluesky_replay(), BLUESKY_SOURCE, FIXED_NOW)
    assert set(again.items()) == set(run.items()) and len(run.items()) == 4


# Discourse: a topic that answers 404, and moderator actions among the latest posts.

def test_discourse_gone_topic_is_asked_for_once_and_its_posts_are_kept(engine: Engine, clock: Any,
                                                                        sleep: Any) -> None:
    cassette = load_cassette("discourse")
    cassette.interactions.insert(0, serve("/t/102.json", {"errors": ["The requested URL could not be found."]},
                                          status=404))
    latest = next(i["response"]["body"] for i in cassette.interactions
                  if i["request"]["path"] == "/posts.json" and not i["request"]["query"])
    closed = copy.deepcopy(latest["latest_posts"][1])
    closed.update(id=1013, post_number=5, post_type=3, action_code="closed.enabled", cooked="", raw="")
    latest["latest_posts"].insert(0, closed)  # a moderator closed topic 102: not a regular post
    result, cassette = discourse_run(engine, clock, sleep, cassette=cassette)
    assert sum(r.startswith("GET /t/102.json") for r in cassette.requests) == 1, cassette.requests
    posts = discourse_posts(engine)
    assert {1005, 1006, 1008, 1011} <= set(posts) and 1013 not in posts  # kept, without their thread
    assert sum(counts.skipped.get("not a regular post", 0) for counts in result.streams.values()) == 1


# Schema drift: a text field that arrives as another JSON type quarantines that one record, naming the field.

@pytest.mark.parametrize(("path", "value", "named"), [
    (("language",), {"code": "nl"}, "item.language"),
    (("account", "url"), 12345, "author.url"),
])
def test_a_text_field_of_another_type_quarantines_one_record_naming_the_field(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: tuple[str, ...], value: Any, named: str) -> None:
    monkeypatch.setenv("HANDMADE_MASTODON_TOKEN", "not-a-real-token")
    replay = mastodon_replay()
    status = replay.interactions[-1]["response"]["body"][0]["status"]
    parent = status if len(path) == 1 else status[path[0]]
    parent[path[-1]] = value
    run = ror_sync(tmp_path, monkeypatch, replay, MASTODON_SOURCE, FIXED_NOW)
    assert "real: partial" in run.result.output and "1 quarantined" in run.result.output, run.result.output
    [quarantined] = run.quarantine()
    assert quarantined["external_id"].endswith(f"/{status['id']}") and named in quarantined["error"], quarantined


# Hacker News: deleted items in a thread are counted as skipped, not silently dropped.

def test_hackernews_deleted_comments_are_counted_as_skipped(engine: Engine, clock: Any, sleep: Any) -> None:
    result = hackernews_sync(engine, clock, sleep)
    assert "45000106" not in {r["external_id"] for r in hackernews_rows(engine, ItemRow)}
    assert sum(counts.skipped.get("deleted", 0) for counts in result.streams.values()) >= 1, result.streams


# Mastodon: owned statuses that answer 404 when refreshed are counted as deleted, and shown.

def test_mastodon_statuses_gone_on_refresh_are_counted_as_deleted_in_status_and_metrics(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDMADE_MASTODON_TOKEN", "not-a-real-token")
    run = ror_sync(tmp_path, monkeypatch, mastodon_replay(), MASTODON_SOURCE, FIXED_NOW)  # no statuses/:id: 404
    refreshed = [r for r in run.requests if re.fullmatch(r"GET /api/v1/statuses/\d+", r)]
    assert refreshed and run.result.exit_code == 0, run.result.output
    config = str(tmp_path / "ror.toml")
    shown = json.loads(CliRunner().invoke(app, ["status", "--json", "--config", config]).stdout)[0]
    assert shown["last_run"]["status"] == "ok"
    assert shown["last_run"]["streams"]["refresh"]["skipped"] == {"deleted": len(refreshed)}
    statuses = source_statuses(run.engine, load_config(tmp_path / "ror.toml"))
    metrics = DaemonMetrics(lambda: statuses, lambda: []).render().decode()
    assert (f'ror_source_last_run_skipped{{rule="deleted",source="real",stream="refresh"}} '
            f'{float(len(refreshed))}') in metrics
