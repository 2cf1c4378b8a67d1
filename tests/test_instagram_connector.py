"""The Instagram connector against hand-written Graph responses in the documented shapes, and its hashtag budget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import respx
from pydantic import ValidationError
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from connectors.http import RetryPolicy
from connectors.registry import build_connector
from listener.cli.main import EXIT_CONFIG, app
from listener.collect.sync import SyncResult, sync_source
from listener.storage.engine import open_database
from listener.storage.models import AuthorRow, ItemProfileRow, ItemRow, SyncCursorRow
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer, load_cassette
from tests.test_instagram_contract import ACCESS_TOKEN, instagram_settings

BASE = "https://graph.facebook.com"
ACCOUNT, REEL = "17841455500120034", "18031245607193584"
QUESTION, FOLLOW_UP, ANSWER = "17990012345678901", "17990012345678955", "17990012345678977"
POLICY = RetryPolicy(max_attempts=3, backoff_initial=0.5, backoff_max=4, max_wait_seconds=600)
MISSING_COMMENTS_PERMISSION = json.dumps({"error": {
    "message": "(#10) Application does not have permission for this action; it needs the "
               "'instagram_manage_comments' permission", "type": "OAuthException", "code": 10, "fbtrace_id": "A1"}})


def run(engine: Engine, clock: Any, sleep: Any, cassette: Cassette | None = None) -> tuple[SyncResult, Cassette]:
    """One sync of the fixture account through respx."""
    cassette = cassette or load_cassette("instagram")
    settings = instagram_settings(BASE)
    connector = build_connector(settings, secrets={"access_token": ACCESS_TOKEN}, clock=clock, sleep=sleep,
                                policy=POLICY)
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(BASE))
        return sync_source(engine, "acme", "Europe/Berlin", settings, connector, clock=clock), cassette


def rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def test_instagram_sync_stores_media_comments_replies_tags_and_hashtag_media(engine: Engine, clock: Any,
                                                                             sleep: Any) -> None:
    result, _ = run(engine, clock, sleep)
    # the fixture's one malformed record is quarantined: a truthful run says partial
    assert (result.status, result.quarantined) == ("partial", 1), result.error
    stored = {r["external_id"]: r for r in rows(engine, ItemRow)}
    roles = {r["external_id"]: r["role"] for r in rows(engine, ItemProfileRow)}
    reel = stored[REEL]
    assert (reel["kind"], roles[REEL], reel["likes"], reel["replies"]) == ("post", "owned", 262, 5)
    assert (stored["18029876543210012"]["likes"], stored["18029876543210012"]["replies"]) == (131, 11), "media page 2"
    assert stored["18029876543210014"]["kind"] == "post", "media page 3, the last"
    assert (stored[QUESTION]["kind"], stored[QUESTION]["parent_external_id"]) == ("comment", REEL)
    assert (stored[FOLLOW_UP]["kind"], stored[FOLLOW_UP]["parent_external_id"]) == ("reply", QUESTION)
    assert (roles[ANSWER], stored[ANSWER]["author_external_id"]) == ("owned", ACCOUNT)
    assert stored["17990012345679010"]["parent_external_id"] == REEL, "comments page 2"
    assert stored["17990012345679013"]["parent_external_id"] == REEL, "comments page 3, the last"
    tagged = stored["17950000000000303"]
    assert (tagged["kind"], roles[tagged["external_id"]]) == ("mention", "inbound")
    assert stored["18044470001122301"]["text"] == "First hackathon win! #hackathon #amsterdam"
    followers = {r["external_id"]: r["followers"] for r in rows(engine, AuthorRow)}
    assert followers[ACCOUNT] == 12480
    cursors = {c["stream"]: c["cursor"] for c in rows(engine, SyncCursorRow)}
    newest = 1794993267  # 2026-11-18T09:14:27Z
    assert json.loads(cursors["hashtag:hackathon"]) == {"id": "17843811000004411", "newest": newest}


def test_the_hashtag_is_looked_up_once_and_kept_in_the_cursor(engine: Engine, clock: Any, sleep: Any) -> None:
    run(engine, clock, sleep)
    _, cassette = run(engine, clock, sleep)
    assert not any("ig_hashtag_search" in r for r in cassette.requests)
    assert any("/17843811000004411/recent_media" in r for r in cassette.requests)


def test_a_missing_permission_is_one_line_naming_it(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("instagram")
    cassette.fail_next(403, {"Content-Type": "application/json"}, MISSING_COMMENTS_PERMISSION, count=100)
    result, _ = run(engine, clock, sleep, cassette)
    assert result.status == "failed"
    error = result.error or ""
    assert "needs the instagram_manage_comments permission" in error and "$TEST_INSTAGRAM_TOKEN" in error
    assert "\n" not in error and ACCESS_TOKEN not in error


def test_more_than_thirty_unique_hashtags_are_refused_with_the_reason() -> None:
    tags = [f"tag{i}" for i in range(31)]
    with pytest.raises(ValidationError, match="30 unique hashtags in any 7 days"):
        instagram_settings(BASE, hashtags=tags)
    same = instagram_settings(BASE, hashtags=[*tags[:30], "#TAG0", "Tag1"])
    assert len(same.hashtags) == 30, "case and '#' do not make a hashtag new"


CONFIG = """
[[profiles]]
name = "acme"
timezone = "Europe/Amsterdam"

[[profiles.sources]]
name = "acme-instagram"
platform = "instagram"
base_url = "{url}/v21.0"
ig_user_id = "17841455500120034"
access_token_env = "TEST_INSTAGRAM_TOKEN"
hashtags = {tags}
page_size = 2
comment_page_size = 2
"""


def test_config_check_adds_up_hashtags_of_sources_on_one_account(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_INSTAGRAM_TOKEN", ACCESS_TOKEN)
    first = CONFIG.format(url=BASE, tags=json.dumps([f"x{i}" for i in range(20)]))
    second = first.split("[[profiles.sources]]")[1].replace("acme-instagram", "acme-instagram-2").replace('"x', '"y')
    config = tmp_path / "ror.toml"
    config.write_text(first + "\n[[profiles.sources]]" + second)
    result = CliRunner().invoke(app, ["config", "check", "--config", str(config)])
    assert result.exit_code == EXIT_CONFIG, result.output
    assert "40 unique hashtags configured" in result.output and "acme-instagram, acme-instagram-2" in result.output


def test_config_check_explains_the_hashtag_budget_in_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_INSTAGRAM_TOKEN", ACCESS_TOKEN)
    config = tmp_path / "ror.toml"
    config.write_text(CONFIG.format(url=BASE, tags='["barista", "#Barista", "meta"]'))
    result = CliRunner().invoke(app, ["config", "check", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "2 of 30 unique hashtags a week in use" in result.output


def test_ror_sync_against_a_loopback_graph_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_INSTAGRAM_TOKEN", ACCESS_TOKEN)
    config = tmp_path / "ror.toml"
    with CassetteServer(load_cassette("instagram")) as server:
        config.write_text(CONFIG.format(url=server.url, tags='["hackathon"]'))
        result = CliRunner().invoke(app, ["sync", "--config", str(config)])
    # the fixture's one malformed record is quarantined, so the sync says partial (exit 4)
    assert result.exit_code == 4 and "1 quarantined" in result.output, result.output
    # The CLI runs on the real clock, after the fixture reel's refresh window: its comments are not re-read.
    assert "acme-instagram: partial, 12 items, 0 events, 1 quarantined" in result.output
    engine = open_database(f"sqlite:///{tmp_path / 'ror.db'}")
    assert REEL in {r["external_id"] for r in rows(engine, ItemRow)}
