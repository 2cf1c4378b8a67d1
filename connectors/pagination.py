"""Pagination helpers: the RFC 8288 Link header and a guard against looping tokens."""

from __future__ import annotations

import re
from collections.abc import Hashable

from connectors.errors import PaginationLoopError

_LINK = re.compile(r'<([^>]*)>\s*((?:;\s*[^;,]+)*)')
_REL = re.compile(r'rel\s*=\s*"?([^";,]+)"?')


def parse_link_header(value: str | None) -> dict[str, str]:
    """Map each rel ("next", "prev") to its URL."""
    links: dict[str, str] = {}
    for match in _LINK.finditer(value or ""):
        url, params = match.group(1), match.group(2)
        rel = _REL.search(params)
        if rel:
            for name in rel.group(1).split():
                links[name] = url
    return links


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
