"""Discourse against real recordings (discourse_api's spec fixtures): gone topics, end to end through `ror sync`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from listener.cli.main import app
from tests.cassette import Cassette
from tests.real_recordings import cassette_of, real_body, serve
from tests.real_sync import ror_sync

NOW = datetime(2020, 1, 26, tzinfo=UTC)
SOURCE = """platform = "discourse"
staff_usernames = ["system"]
backfill_days = 30
likers = false
"""


def discourse_replay() -> Cassette:
    """/posts.json as recorded, then the older page (before=14) as recorded; topic 11 is gone."""
    return cassette_of(
        serve("/posts.json", real_body("discourse", "posts_before.json"), {"before": "14"}),
        serve("/posts.json", {"latest_posts": []}, {"before": "*"}),
        serve("/posts.json", real_body("discourse", "posts_latest.json")),
        serve("/t/11.json", {"errors": ["The requested URL or resource could not be found."]}, status=404),
    )


def test_a_gone_topic_is_asked_for_once_per_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cassette = discourse_replay()
    later = dict(real_body("discourse", "posts_latest.json")["latest_posts"][0], id=16, post_number=3)
    cassette.interactions[2]["response"]["body"]["latest_posts"].insert(0, later)  # a second reply in topic 11
    run = ror_sync(tmp_path, monkeypatch, cassette, SOURCE, NOW)
    assert sum(r.startswith("GET /t/11.json") for r in run.requests) == 1, run.requests
    assert {"p/15", "p/16"} <= {i.split("/", 1)[1] for i in run.items()}  # kept, without their thread


def test_latest_posts_and_a_followed_topic_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cassette = discourse_replay()
    cassette.interactions.append(serve("/t/57.json", real_body("discourse", "topic.json")))
    source = SOURCE.replace("backfill_days = 30", "backfill_days = 3650") + "topics = [57]\n"
    run = ror_sync(tmp_path, monkeypatch, cassette, source, NOW)
    latest = real_body("discourse", "posts_latest.json")["latest_posts"]
    topic = real_body("discourse", "topic.json")["post_stream"]["posts"]
    stored = {key.split("/p/", 1)[1]: row for key, row in run.items().items()}
    regular = [post for post in latest + topic if post["post_type"] == 1]  # 84 is "This topic is now pinned."
    for post in regular:
        row = stored[str(post["id"])]
        assert (row["replies"], row["views"]) == (post.get("reply_count"), post.get("reads"))
    assert len(stored) == len(regular) == 7
    assert stored["86"]["root_external_id"].endswith("/p/83")
    assert run.result.output.strip().startswith("real: partial, 7 items, 0 events, 0 quarantined (latest: 1 part(s) "
                                                "not read: topic 11: thread of 1 reply(ies) not read: GET ")
    shown = json.loads(CliRunner().invoke(app, ["status", "--json", "--config", str(tmp_path / "ror.toml")]).stdout)
    assert shown[0]["last_run"]["streams"]["topic:57"]["skipped"] == {"not a regular post": 1}
    assert shown[0]["last_run"]["streams"]["latest"]["unexpanded"] == 1  # post 15, whose topic 11 answers 404
