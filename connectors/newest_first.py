"""The walk every newest-first listing shares: read down to a floor, move the high-water mark at the end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import Page, Stream, SyncContext
from connectors.pagination import LoopGuard


class NewestFirstStream(Stream):
    """A listing served newest first (reviews, feeds, notifications, search), walked down to a floor.

    Pages are stored with no cursor; the last page carries the newest sort time seen at or above
    the floor, so an interrupted walk is redone from the top next time (upserts make that
    harmless) and the mark never passes data that was not stored. Entries below the floor are
    counted as "too old". A subclass says how to fetch a page, where an entry sorts, what page an
    entry list becomes and how far down to read.
    """

    name: str

    def floor(self, context: SyncContext, mark: datetime | None) -> datetime:
        """The oldest sort time this run still reads (below the mark: late entries, new replies)."""
        raise NotImplementedError

    def fetch(self, cursor: str | None, floor: datetime) -> tuple[list[Any], str | None]:
        """One page of entries and the platform's cursor to the next (older) one."""
        raise NotImplementedError

    def entry_time(self, entry: Any) -> datetime | None:
        """Where the entry sorts in the listing (None when broken: `page_of` quarantines it)."""
        raise NotImplementedError

    def page_of(self, entries: list[Any]) -> Page:
        """Our page for entries at or above the floor."""
        raise NotImplementedError

    def final_page(self, mark: datetime | None) -> Page:
        """The page that moves the high-water mark."""
        return Page(cursor=mark.isoformat() if mark else None)

    def listing(self, floor: datetime) -> Iterator[list[Any]]:
        """The listing's pages of entries, newest first, fetched only as far as they are read."""
        guard, cursor = LoopGuard(self.name), None
        while True:
            entries, next_cursor = self.fetch(cursor, floor)
            yield entries
            if not entries or not next_cursor:
                return
            guard.check(next_cursor)
            cursor = next_cursor

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        mark = stored_mark(context.cursor)
        floor, newest = self.floor(context, mark), mark
        for entries in self.listing(floor):
            timed = [(entry, self.entry_time(entry)) for entry in entries]
            fresh = [entry for entry, when in timed if when is None or when >= floor]
            times = [when for _, when in timed if when is not None]
            page = self.page_of(fresh) if fresh else Page()
            page.skip("too old", len(entries) - len(fresh))
            yield page
            newest = max([when for when in times if when >= floor] + ([newest] if newest else []), default=None)
            if times and min(times) < floor:
                break
        yield self.final_page(newest)


def stored_mark(cursor: str | None) -> datetime | None:
    """A stream's stored high-water mark (ISO time), None before the first complete walk or if unreadable."""
    try:
        moment = datetime.fromisoformat(cursor) if cursor else None
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment and moment.tzinfo else None


def review_floor(context: SyncContext, mark: datetime | None, backfill_days: int, refresh_days: int) -> datetime:
    """The floor of a review listing: the backfill at first, then the mark or `refresh_days` back,
    whichever is older (replies come days after their review)."""
    if mark is None:
        return context.now - timedelta(days=backfill_days)
    return min(mark, context.now - timedelta(days=refresh_days))


def safe_time(read: Callable[[Any], datetime], entry: Any) -> datetime | None:
    """A sort time, or None for an entry too broken to have one."""
    try:
        return read(entry)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
