"""Pagination helpers: Link header URLs, a guard against looping tokens, cursors a page vouches for."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import httpx

from connectors.errors import CursorRefusedError, PaginationLoopError


def link_url(response: httpx.Response, rel: str) -> str | None:
    """The URL of the RFC 8288 Link header's `rel` ("next", "prev"), as httpx parses it."""
    return response.links.get(rel, {}).get("url")


class LoopGuard:
    """Remembers the page tokens followed in one run; refuses one seen before."""

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self._seen: set[Hashable] = set()

    def check(self, token: Hashable) -> None:
        """Raise PaginationLoopError if token was followed already in this run."""
        if token in self._seen:
            raise PaginationLoopError(f"{self.stream}: page token {token!r} came back twice")
        self._seen.add(token)


def cursor_within_page(proposed: str | None, page_ids: Sequence[str], previous: str | None,
                       order: Callable[[str], Any]) -> str | None:
    """The cursor to store after a page of a forward (oldest-first) walk, or None for a page without ids.

    A server-supplied cursor is taken only if it lies within what the page itself contained
    (past the previous cursor of this walk, at most the newest id on the page); otherwise
    the newest id on the page is used. When this walk already moved a cursor (`previous`),
    a page whose newest id is not past it steps backwards: CursorRefusedError.
    """
    if not page_ids:
        return None
    newest, oldest = max(page_ids, key=order), min(page_ids, key=order)
    if previous is not None and order(newest) <= order(previous):
        raise CursorRefusedError(f"the page's newest id {newest[:40]!r} is not past the cursor {previous[:40]!r}: "
                                 "the server walks backwards")
    low = order(previous) if previous is not None else order(oldest)
    if proposed is not None and low <= order(proposed) <= order(newest) and proposed != previous:
        return proposed
    return newest
