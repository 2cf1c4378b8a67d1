"""Hacker News records (Algolia search hits and `items/:id` nodes) -> our Items."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from connectors.base import Author, Counters, Item, ItemKind
from connectors.errors import MalformedItemError
from connectors.html_text import html_to_text
from connectors.validate import checked_id

PLATFORM = "hackernews"
WEB_URL = "https://news.ycombinator.com"
STORY_TYPES = {"story", "poll", "job"}


@dataclass(frozen=True)
class Brand:
    """The brand on Hacker News: its username (optional) and the words that name it."""

    username: str | None
    terms: tuple[str, ...] = ()

    def owns(self, author: str | None) -> bool:
        """True when the brand's HN account wrote it (HN usernames are case-sensitive)."""
        return bool(self.username and author == self.username)

    def is_named_in(self, text: str) -> bool:
        """True when the text names a brand term (whole words, any case)."""
        return any(pattern.search(text) for pattern in self.patterns)

    @cached_property
    def patterns(self) -> list[re.Pattern[str]]:
        """One case-insensitive whole-word pattern per term."""
        words = [t.strip('"') for t in self.terms if t.strip('"')]
        return [re.compile(rf"(?<!\w){re.escape(w)}(?!\w)", re.IGNORECASE) for w in words]


@dataclass(frozen=True)
class Record:
    """The fields a search hit and an items node share, under one set of names."""

    item_id: str
    kind: str  # story | comment | poll | job | pollopt
    author: str | None
    created_i: int
    title: str | None
    url: str | None
    html: str
    points: int | None
    num_comments: int | None
    parent_id: str | None
    story_id: str | None


def epoch(value: Any) -> int:
    """created_at_i as an int (rejecting booleans, strings and nulls)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"created_at_i is not an integer: {value!r}")
    return value


def _text_id(value: Any) -> str | None:
    return None if value is None else str(int(value))


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def record_of_hit(hit: dict[str, Any]) -> Record:
    """A search hit: objectID, `_tags` (story / comment ...), story_text or comment_text."""
    tags = hit.get("_tags") or []
    kind = next((t for t in ("comment", "story", "poll", "pollopt", "job") if t in tags), "story")
    return Record(
        item_id=str(int(checked_id(hit["objectID"], "objectID"))), kind=kind, author=hit.get("author"),
        created_i=epoch(hit["created_at_i"]), title=hit.get("title"), url=hit.get("url"),
        html=str((hit.get("comment_text") if kind == "comment" else hit.get("story_text")) or ""),
        points=_optional_int(hit.get("points")), num_comments=_optional_int(hit.get("num_comments")),
        parent_id=_text_id(hit.get("parent_id")), story_id=_text_id(hit.get("story_id")),
    )


def record_of_node(node: dict[str, Any]) -> Record:
    """An `items/:id` node: id, type, text; children are nested nodes."""
    return Record(
        item_id=str(int(checked_id(node["id"], "id"))), kind=str(node["type"]), author=node.get("author"),
        created_i=epoch(node["created_at_i"]), title=node.get("title"), url=node.get("url"),
        html=str(node.get("text") or ""), points=_optional_int(node.get("points")),
        num_comments=None, parent_id=_text_id(node.get("parent_id")), story_id=_text_id(node.get("story_id")),
    )


def is_poll_option(record: Any) -> bool:
    """Whether a hit or an items/:id node is a poll's option (`pollopt`) rather than a story or comment."""
    if not isinstance(record, dict):
        return False
    tags = record.get("_tags")
    return record.get("type") == "pollopt" or (isinstance(tags, list) and "pollopt" in tags)


def is_gone(record: Record) -> bool:
    """Deleted or dead: no author and no text left to store (its replies are still walked)."""
    return record.author is None and not record.html


def item_of(record: Record, brand: Brand, raw: dict[str, Any]) -> Item:
    """Our Item from a record: stories are posts or mentions, the rest comments or mentions."""
    owned = brand.owns(record.author)
    text = html_to_text(record.html)
    kind: ItemKind
    if record.kind in STORY_TYPES:
        text = f"{record.title or ''}\n\n{text}".strip() if text else str(record.title or "")
        kind = "post" if owned else "mention"
    else:
        kind = "mention" if not owned and brand.is_named_in(text) else "comment"
    is_reply = record.kind not in STORY_TYPES
    return Item(
        platform=PLATFORM, external_id=record.item_id, kind=kind, role="owned" if owned else "inbound",
        author=author_of(record.author), text=text,
        created_at=datetime.fromtimestamp(record.created_i, UTC),
        url=f"{WEB_URL}/item?id={record.item_id}",
        parent_external_id=record.parent_id if is_reply else None,
        root_external_id=record.story_id if is_reply else None,
        counters=Counters(likes=record.points, replies=record.num_comments), raw=raw,
    )


def author_of(name: str | None) -> Author | None:
    """An HN user (usernames are the ids; HN shows no follower counts)."""
    if not name:
        return None
    return Author(platform=PLATFORM, external_id=name, handle=name, url=f"{WEB_URL}/user?id={name}")


def hit_item(hit: Any, brand: Brand) -> Item | None:
    """Item of a search hit; None for a deleted one; MalformedItemError when broken."""
    try:
        record = record_of_hit(hit)
        return None if is_gone(record) else item_of(record, brand, hit)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError) as error:
        raise MalformedItemError(f"hit {hit.get('objectID') if isinstance(hit, dict) else '?'}: {error!r}") from error


def walk_thread(node: Any) -> Iterator[dict[str, Any]]:
    """Every node of an `items/:id` tree below the root, depth first, in reading order."""
    for child in (node.get("children") if isinstance(node, dict) else None) or []:
        yield child
        yield from walk_thread(child)


def node_item(node: Any, brand: Brand) -> Item | None:
    """Item of an `items/:id` node (children dropped from raw); None if deleted; MalformedItemError if broken."""
    try:
        record = record_of_node(node)
        raw = {k: v for k, v in node.items() if k != "children"}
        return None if is_gone(record) else item_of(record, brand, raw)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError) as error:
        raise MalformedItemError(f"item {node.get('id') if isinstance(node, dict) else '?'}: {error!r}") from error
