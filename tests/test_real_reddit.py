"""Reddit against real recordings (praw's betamax cassettes): a failed morechildren, end to end through `ror sync`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.reddit.things import flatten_tree
from tests.cassette import FIXTURES, Cassette
from tests.real_recordings import cassette_of, real_body, serve
from tests.real_sync import ror_sync

SOURCE = """platform = "reddit"
token_url = "{url}/api/v1/access_token"
search = ["acme"]
backfill_days = 3650
"""


def token() -> dict:
    """The token exchange (hand-made: the recordings replaced their tokens with placeholders)."""
    return json.loads((FIXTURES / "reddit" / "access_token.json").read_text())["interactions"][0]


def tree_replay(more: dict) -> Cassette:
    """A search finding the recorded post t3_ablzuq, its recorded tree (limit=1: a `more` stub), and `more`."""
    thread = real_body("reddit", "submission_comments_with_more.json")
    return cassette_of(token(), serve("/search", thread[0]), serve("/comments/ablzuq", thread), more)


@pytest.fixture(autouse=True)
def reddit_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDDIT_CLIENT_ID", "replay-id")
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "replay-secret")


def test_a_failed_morechildren_keeps_the_comments_read_and_counts_the_rest(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    gone = serve("/api/morechildren", {"message": "Not Found", "error": 404}, status=404)
    run = ror_sync(tmp_path, monkeypatch, tree_replay(gone), SOURCE, datetime(2019, 1, 3, tzinfo=UTC))
    thread = real_body("reddit", "submission_comments_with_more.json")
    read, stubs = flatten_tree(thread[1]["data"]["children"])
    assert {"t3_ablzuq", *(t["data"]["name"] for t in read)} <= set(run.items()), run.result.output
    unread = sum(len(stub["children"]) for stub in stubs)
    assert f"real: partial, {1 + len(read)} items" in run.result.output
    assert f"{unread} part(s) not read" in run.result.output and "404" in run.result.output
