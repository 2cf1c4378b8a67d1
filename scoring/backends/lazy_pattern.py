"""A regular expression compiled on its first search, for patterns that are known to compile."""

from __future__ import annotations

import re
from collections.abc import Callable


class LazyPattern:
    """A pattern's text and flags, compiled on its first search: a text set reaches only some of the care rules'
    patterns, and compiling all of them was most of building the scorer. Only for text that is known to compile:
    a pattern of the shipped rule files (a test compiles every one) or the looser form of a compiled pattern."""

    __slots__ = ("flags", "pattern", "search")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern, self.flags = pattern, flags
        self.search: Callable[[str], re.Match[str] | None] = self._first_search

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self.flags})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LazyPattern) and (self.pattern, self.flags) == (other.pattern, other.flags)

    def __hash__(self) -> int:
        return hash((self.pattern, self.flags))

    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern (compiled now if it was not yet)."""
        return re.compile(self.pattern, self.flags)

    def _first_search(self, text: str) -> re.Match[str] | None:
        self.search = self.compiled().search  # later searches go straight to the compiled one
        return self.search(text)


SearchPattern = re.Pattern[str] | LazyPattern  # what a care rule searches a text with
