"""The cursor of a newest-first listing walk: the newest creation time stored, and recent
threads' comment counts (so a thread is re-read only when its count changed)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from connectors.base import Item


@dataclass
class WalkState:
    """A listing stream's cursor, stored as stable JSON."""

    newest: int | None = None
    comments: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, cursor: str | None) -> WalkState:
        """The state in a stored cursor (a fresh one for None)."""
        if not cursor:
            return cls()
        data = json.loads(cursor)
        return cls(data.get("newest"), {str(k): int(v) for k, v in (data.get("comments") or {}).items()})

    def dump(self) -> str:
        """The cursor string, stable for equal states."""
        return json.dumps({"newest": self.newest, "comments": self.comments}, sort_keys=True, separators=(",", ":"))

    def tracks(self, item: Item) -> bool:
        """Whether the item heads a thread whose comment count is remembered."""
        return item.counters.replies is not None

    def note(self, items: list[Item]) -> None:
        """Remember the newest creation time and every tracked thread's comment count."""
        for item in items:
            stamp = int(item.created_at.timestamp())
            self.newest = max(self.newest or stamp, stamp)
            if self.tracks(item):
                self.comments[item.external_id] = item.counters.replies or 0
                self.created[item.external_id] = stamp

    def forget(self, thread: str) -> None:
        """A thread read only in part: its count is not kept, so the next walk reads it again."""
        self.comments.pop(thread, None)

    def finish(self, now: datetime, refresh_days: int) -> WalkState:
        """Keep the counts of threads the next walk will see again (at or after its floor)."""
        if self.newest is not None:
            floor = self.floor(now, 0, refresh_days)
            self.comments = {k: v for k, v in self.comments.items() if self.created.get(k, 0) >= floor}
        return self

    def floor(self, now: datetime, backfill_days: int, refresh_days: int) -> int:
        """The oldest creation time (epoch seconds) this walk asks for: the backfill at first,
        then the refresh window or the newest stored, whichever is older."""
        if self.newest is None:
            return int((now - timedelta(days=backfill_days)).timestamp())
        return min(self.newest, int((now - timedelta(days=refresh_days)).timestamp()))
