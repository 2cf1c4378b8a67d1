"""Plain records read from the store for a weekly summary (what the queries yield, what the figures take)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

COUNTER_NAMES = ("likes", "shares", "replies", "quotes")


@dataclass(frozen=True)
class ItemRecord:
    """One item linked to the profile, with its sentiment where scored."""

    platform: str
    external_id: str
    role: str
    kind: str
    author: str | None
    parent: str | None
    created_at: datetime
    text: str
    sentiment_status: str | None
    compound: float | None
    rating: float | None
    rating_scale: float | None
    counters: tuple[int | None, ...]

    @property
    def key(self) -> tuple[str, str]:
        """(platform, external_id)."""
        return self.platform, self.external_id


@dataclass(frozen=True)
class SnapshotRecord:
    """One counter snapshot of an owned item."""

    platform: str
    external_id: str
    item_created_at: datetime
    observed_at: datetime
    counters: tuple[int | None, ...]


@dataclass(frozen=True)
class EventRecord:
    """Someone liked or shared an owned item, placed at the best known moment."""

    platform: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class ReplyRecord:
    """An owned reply to an item."""

    platform: str
    parent: str
    created_at: datetime


@dataclass(frozen=True)
class PointRecord:
    """One stored daily index point."""

    day: date
    daily_index: float | None
    running_index: float | None
    provisional: bool
    components: dict[str, Any]


@dataclass(frozen=True)
class ItemDetail:
    """What is shown of a listed item beyond its figures and text."""

    url: str | None
    author_handle: str | None
