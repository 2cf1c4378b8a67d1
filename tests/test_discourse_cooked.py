"""Discourse cooked HTML -> what the author wrote (hand-made posts in Discourse's own markup)."""

from __future__ import annotations

import json

import pytest

from connectors.discourse.api import cooked_text
from tests.cassette import FIXTURES

POSTS = json.loads((FIXTURES / "discourse" / "handmade" / "cooked_posts.json").read_text(encoding="utf-8"))["posts"]


@pytest.mark.parametrize("post", POSTS, ids=[str(p["id"]) for p in POSTS])
def test_cooked_text_keeps_the_authors_words_and_links_only(post: dict) -> None:
    assert cooked_text(post["cooked"]) == post["expected_text"]


def test_image_captions_and_link_previews_are_not_the_authors_words() -> None:
    text = "\n".join(cooked_text(p["cooked"]) for p in POSTS)
    assert "KB" not in text and "1482" not in text and "Firmware for the Acme grinder" not in text


def test_a_link_only_post_keeps_its_link() -> None:
    assert cooked_text(POSTS[1]["cooked"]) == POSTS[1]["raw"]
