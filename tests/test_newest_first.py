"""The shared newest-first walk: it reads down to the floor, counts what is older, and moves the mark last."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import Item, Page, SyncContext
from connectors.newest_first import NewestFirstStream, review_floor, stored_mark

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class Listing(NewestFirstStream):
    """Entries are (id, hours before NOW) pairs served in pages; a None hour is a broken entry."""

    name = "listing"

    def __init__(self, pages: list[list[tuple[str, int | None]]]) -> None:
        self.pages, self.fetched = pages, 0

    def floor(self, context: SyncContext, mark: datetime | None) -> datetime:
        return review_floor(context, mark, backfill_days=2, refresh_days=1)

    def fetch(self, cursor: str | None, floor: datetime) -> tuple[list[Any], str | None]:
        index = int(cursor or 0)
        self.fetched += 1
        return self.pages[index], str(index + 1) if index + 1 < len(self.pages) else None

    def entry_time(self, entry: Any) -> datetime | None:
        return None if entry[1] is None else NOW - timedelta(hours=entry[1])

    def page_of(self, entries: list[Any]) -> Page:
        page = Page()
        for external_id, hours in entries:
            if hours is None:
                page.skip("broken")
                continue
            page.items.append(Item(platform="p", external_id=external_id, kind="review", role="inbound", text="",
                                   author=None, created_at=NOW - timedelta(hours=hours)))
        return page


def walk(stream: Listing, cursor: str | None) -> list[Page]:
    return list(stream.iter_pages(SyncContext(now=NOW, cursor=cursor)))


def test_the_first_walk_reads_the_backfill_counts_older_entries_and_stops_fetching() -> None:
    stream = Listing([[("a", 1), ("b", None), ("c", 30)], [("d", 47), ("e", 49), ("f", 50)], [("g", 60)]])
    pages = walk(stream, None)
    assert [item.external_id for page in pages for item in page.items] == ["a", "c", "d"]
    assert pages[1].skipped == {"too old": 2} and pages[0].skipped == {"broken": 1}
    assert stream.fetched == 2  # the third page is never asked for
    assert [page.cursor for page in pages] == [None, None, (NOW - timedelta(hours=1)).isoformat()]


def test_the_next_walk_rereads_the_refresh_window_below_the_mark() -> None:
    stream = Listing([[("new", 0), ("a", 1), ("c", 30)]])
    pages = walk(stream, (NOW - timedelta(hours=1)).isoformat())
    assert [item.external_id for item in pages[0].items] == ["new", "a"]
    assert pages[0].skipped == {"too old": 1} and pages[-1].cursor == NOW.isoformat()


def test_an_unreadable_or_naive_stored_mark_means_a_fresh_walk() -> None:
    assert stored_mark("not a time") is None and stored_mark("2026-11-20T12:00:00") is None
    assert stored_mark("2026-11-20T13:00:00+01:00") == NOW
