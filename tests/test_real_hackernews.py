"""Hacker News against real recordings (node-hacker-news-api's 2014 captures of HN Search): polls, end to end."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.hackernews.items import Brand, node_item, walk_thread
from tests.cassette import Cassette
from tests.real_recordings import cassette_of, real_body, serve
from tests.real_sync import ror_sync

NOW = datetime(2014, 6, 21, tzinfo=UTC)
SOURCE = """platform = "hackernews"
search = ["apple"]
backfill_days = 3650
min_interval_seconds = 0
"""
SEARCH_PAGES = ("search_by_date_poll.json", "search_by_date_comment.json", "search_by_date_story_or_poll.json",
                "search_by_date_ask_hn_query.json", "search_by_date_poll_author_pg.json", "search_poll_query.json")


def hn_replay(pages: tuple[str, ...] = SEARCH_PAGES) -> Cassette:
    """Each recorded search body served as one page of the walk (they were recorded with hitsPerPage=1)."""
    served = [serve("/search_by_date", real_body("hackernews", name), {"page": str(n), "tags": "(story,comment,poll)"})
              for n, name in enumerate(pages)]
    end = {"hits": [], "nbHits": 0, "nbPages": 0, "page": len(pages), "hitsPerPage": 1}
    return cassette_of(*served, serve("/search_by_date", end, {"page": "*"}))


def test_polls_are_asked_for_and_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = ror_sync(tmp_path, monkeypatch, hn_replay(("search_by_date_poll.json",)), SOURCE, NOW)
    poll = real_body("hackernews", "search_by_date_poll.json")["hits"][0]
    stored = run.items()
    assert poll["objectID"] in stored, (run.requests, run.result.output)
    assert stored[poll["objectID"]]["text"].startswith(poll["title"])


def test_an_items_tree_maps_every_node() -> None:
    tree = real_body("hackernews", "items_17.json")
    nodes = [tree, *walk_thread(tree)]
    items = [node_item(node, Brand(None, ("apple",))) for node in nodes]
    assert [i.external_id for i in items if i] == [str(n["id"]) for n in nodes] and len(nodes) == 3
    assert items[0] is not None and items[0].parent_external_id == "15"
