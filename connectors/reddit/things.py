"""Reddit things -> our Items: t3 posts, t1 comments, Listings and comment trees flattened."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from html import unescape
from typing import Any

from connectors.base import Author, Counters, Item
from connectors.errors import MalformedItemError, MalformedResponseError
from connectors.html_text import html_to_text

PLATFORM = "reddit"
WEB_URL = "https://www.reddit.com"
GONE = {"[deleted]", "[removed]"}
# Keys a comment carries only in some listings (its replies in a tree, its link's fields in a user
# overview): dropped from the stored payload so a comment looks the same whichever listing found it.
COMMENT_CONTEXT_KEYS = frozenset({"replies", "depth", "link_title", "link_author", "link_permalink", "link_url",
                                  "num_comments", "over_18", "quarantine"})
_ARTICLE_IN_CONTEXT = re.compile(r"/comments/([a-z0-9]+)/")


@dataclass(frozen=True)
class Brand:
    """Who the brand is on Reddit and which words name it: decides owned and mention."""

    account: str | None
    terms: tuple[str, ...] = ()

    def owns(self, author: str | None) -> bool:
        """True when the brand's own account wrote it (Reddit usernames ignore case)."""
        return bool(self.account and author and author.lower() == self.account.lower())

    def is_named_in(self, text: str) -> bool:
        """True when the text names a brand term or mentions u/account."""
        return any(pattern.search(text) for pattern in self.patterns)

    @cached_property
    def patterns(self) -> list[re.Pattern[str]]:
        """One case-insensitive whole-word pattern per term, plus u/account."""
        words = [t.strip('"') for t in self.terms if t.strip('"')]
        patterns = [re.compile(rf"(?<!\w){re.escape(w)}(?!\w)", re.IGNORECASE) for w in words]
        if self.account:
            patterns.append(re.compile(rf"(?<![\w/])/?u/{re.escape(self.account)}(?!\w)", re.IGNORECASE))
        return patterns


def epoch_time(value: Any) -> datetime:
    """`created_utc` (epoch seconds, often a float) as aware UTC."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"created_utc is not a number: {value!r}")
    return datetime.fromtimestamp(float(value), UTC)


def markdown_text(data: dict[str, Any], html_key: str, plain_key: str) -> str:
    """Clean text of a body: the rendered HTML when given (unescaped unless raw_json=1), else the markdown."""
    html = data.get(html_key)
    if isinstance(html, str) and html:
        if html.lstrip().startswith("&lt;"):
            html = unescape(html)
        return html_to_text(html)
    return unescape(str(data.get(plain_key) or "")).strip()


def author_of(data: dict[str, Any]) -> Author | None:
    """The author of a thing; None for deleted accounts."""
    name = data.get("author")
    if not isinstance(name, str) or name in GONE:
        return None
    external_id = data.get("author_fullname") or f"u/{name}"
    return Author(platform=PLATFORM, external_id=str(external_id), handle=name, url=f"{WEB_URL}/user/{name}")


def is_gone(data: dict[str, Any], text_key: str) -> bool:
    """A deleted or removed thing: nothing left to store (its replies are still walked)."""
    return data.get("author") in GONE and str(data.get(text_key) or "") in GONE


def post_item(data: dict[str, Any], brand: Brand, *, found_by_search: bool = False) -> Item:
    """Our Item from a t3 (link) thing's data."""
    title = str(data["title"])
    body = markdown_text(data, "selftext_html", "selftext")
    text = f"{title}\n\n{body}" if body else title
    owned = brand.owns(data.get("author"))
    mention = not owned and (found_by_search or brand.is_named_in(text))
    return Item(
        platform=PLATFORM, external_id=str(data["name"]), kind="mention" if mention else "post",
        role="owned" if owned else "inbound", author=author_of(data), text=text,
        created_at=epoch_time(data["created_utc"]), url=_permalink(data),
        counters=Counters(likes=_count(data, "score"), replies=_count(data, "num_comments"),
                          shares=_count(data, "num_crossposts")),
        raw=data,
    )


def comment_item(data: dict[str, Any], brand: Brand) -> Item:
    """Our Item from a t1 (comment) thing's data: parent is parent_id, root the link."""
    text = markdown_text(data, "body_html", "body")
    owned = brand.owns(data.get("author"))
    return Item(
        platform=PLATFORM, external_id=str(data["name"]),
        kind="mention" if not owned and brand.is_named_in(text) else "comment",
        role="owned" if owned else "inbound", author=author_of(data), text=text,
        created_at=epoch_time(data["created_utc"]), url=_permalink(data),
        parent_external_id=str(data["parent_id"]), root_external_id=link_of(data),
        counters=Counters(likes=_count(data, "score")),
        raw={k: v for k, v in data.items() if k not in COMMENT_CONTEXT_KEYS},
    )


def link_of(data: dict[str, Any]) -> str:
    """The fullname of the post a comment belongs to (inbox messages only carry `context`)."""
    if data.get("link_id"):
        return str(data["link_id"])
    match = _ARTICLE_IN_CONTEXT.search(str(data.get("context") or ""))
    if not match:
        raise ValueError("comment without link_id or context")
    return f"t3_{match.group(1)}"


def thing_item(thing: Any, brand: Brand, *, found_by_search: bool = False) -> Item | None:
    """Item for a t1 or t3 thing; None for other kinds and deleted things; MalformedItemError if broken."""
    try:
        kind, data = thing["kind"], thing["data"]
        if kind == "t3" and not is_gone(data, "selftext"):
            return post_item(data, brand, found_by_search=found_by_search)
        if kind == "t1" and not is_gone(data, "body"):
            return comment_item(data, brand)
        return None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise MalformedItemError(f"{thing_name(thing) or 'thing'}: {error!r}") from error


def thing_name(thing: Any) -> str | None:
    """A thing's fullname when it has one (for quarantine records)."""
    data = thing.get("data") if isinstance(thing, dict) else None
    name = data.get("name") if isinstance(data, dict) else None
    return str(name) if name else None


def listing_children(body: Any, where: str) -> tuple[list[Any], str | None]:
    """The children and `after` of a Listing; MalformedResponseError if it is not one."""
    data = body.get("data") if isinstance(body, dict) and body.get("kind") == "Listing" else None
    children = data.get("children") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(children, list):
        raise MalformedResponseError(f"{where}: expected a Listing, got {str(body)[:80]!r}")
    after = data.get("after")
    return children, str(after) if after else None


def flatten_tree(children: Iterable[Any]) -> tuple[list[Any], list[dict[str, Any]]]:
    """Comments of a tree in reading order, and the data of its `more` stubs."""
    things: list[Any] = []
    stubs: list[dict[str, Any]] = []
    for child in children:
        data = child.get("data") if isinstance(child, dict) else None
        if isinstance(data, dict) and child.get("kind") == "more":
            stubs.append(data)
            continue
        things.append(child)
        replies = data.get("replies") if isinstance(data, dict) else None
        if isinstance(replies, dict):
            nested, nested_stubs = flatten_tree(replies.get("data", {}).get("children") or [])
            things.extend(nested)
            stubs.extend(nested_stubs)
    return things, stubs


def _permalink(data: dict[str, Any]) -> str | None:
    path = data.get("permalink") or str(data.get("context") or "").split("?")[0]
    return f"{WEB_URL}{path}" if path else None


def _count(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    return None if value is None else int(value)
