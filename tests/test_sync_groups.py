"""Several pages per transaction (a backfill): the same rows as page by page, and nothing past a failure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

import listener.storage.store as store
from bench.corpus import NOW, PROFILE, statuses
from bench.pipeline import SETTINGS, CorpusConnector
from connectors.base import Author, Counters, Item, Page, Stream, SyncContext
from connectors.errors import TransientError
from connectors.limits import SyncLimits
from listener.collect.sync import SyncResult, sync_source
from listener.storage.engine import open_database
from listener.storage.models import (
    AuthorRow,
    CounterSnapshotRow,
    FollowerCountRow,
    ItemProfileRow,
    ItemRow,
    SyncCursorRow,
)
from listener.storage.upsert import table_of
from tests.conftest import FIXED_NOW
from tests.test_sync_status import ScriptedConnector, ScriptedStream

STORED = (ItemRow, ItemProfileRow, CounterSnapshotRow, AuthorRow, FollowerCountRow, SyncCursorRow)


def page(number: int) -> Page:
    """Page `number`: two items, their author, counters, and the cursor "c<number>"."""
    author = Author("test", f"a{number}", f"person{number}", followers=number)
    items = [Item(platform="test", external_id=f"p{number}-{i}", kind="post", role="inbound", author=author,
                  text=f"page {number} item {i}", created_at=FIXED_NOW, counters=Counters(likes=number))
             for i in range(2)]
    return Page(items=items, cursor=f"c{number}")


def run(engine: Engine, clock: Any, stream: Stream, group: int, pages_seen: list[str] | None = None,
        limits: SyncLimits | None = None) -> SyncResult:
    settings = type("S", (), {"name": "src", "refresh_days": 7})()
    on_page = (lambda _stream, p: pages_seen.append(p.cursor)) if pages_seen is not None else None
    return sync_source(engine, "brand", "UTC", settings, ScriptedConnector(stream),  # type: ignore[arg-type]
                       clock=clock, on_page=on_page, limits=limits, pages_per_transaction=group)


def stored(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model)).order_by(table_of(model).c.id)).mappings()]


def item_ids(engine: Engine) -> set[str]:
    return {r["external_id"] for r in stored(engine, ItemRow)}


def cursors(engine: Engine) -> dict[str, str]:
    return {r["stream"]: r["cursor"] for r in stored(engine, SyncCursorRow)}


def corpus_sync(path: Path, group: int) -> dict[str, list[dict[str, Any]]]:
    engine = open_database(f"sqlite:///{path}")
    try:
        result = sync_source(engine, PROFILE.name, PROFILE.timezone, SETTINGS, CorpusConnector(statuses(700)),
                             clock=lambda: NOW, pages_per_transaction=group)
        assert result.status == "ok" and result.items == 700 and result.pages == 18
        return {model.__name__: stored(engine, model) for model in STORED}
    finally:
        engine.dispose()


def test_pages_stored_in_groups_are_the_rows_stored_page_by_page(tmp_path: Path) -> None:
    by_page, grouped = corpus_sync(tmp_path / "pages.db", 1), corpus_sync(tmp_path / "groups.db", 4)
    assert by_page == grouped
    assert len(by_page["ItemRow"]) == 700 and by_page["CounterSnapshotRow"]


@pytest.mark.parametrize("group", [1, 10])
def test_a_failing_page_in_a_group_keeps_the_pages_before_it_and_their_cursor(
        engine: Engine, clock: Any, monkeypatch: pytest.MonkeyPatch, group: int) -> None:
    save_events = store.save_events

    def disk_full_on_page_3(connection: Any, page: Page, now: Any) -> None:
        if page.cursor == "c3":
            raise RuntimeError("disk full")
        save_events(connection, page, now)

    monkeypatch.setattr(store, "save_events", disk_full_on_page_3)
    seen: list[str] = []
    result = run(engine, clock, ScriptedStream("s", [page(n) for n in range(1, 6)]), group=group, pages_seen=seen)
    assert result.status == "partial" and "disk full" in (result.error or "")
    assert item_ids(engine) == {"p1-0", "p1-1", "p2-0", "p2-1"}
    assert cursors(engine) == {"s": "c2"}
    assert (result.pages, result.items, seen) == (2, 4, ["c1", "c2"])
    # the failed group's author rows were rolled back, so the pages stored again write them again
    assert [r["external_id"] for r in stored(engine, AuthorRow)] == ["a1", "a2"]
    assert [r["author_external_id"] for r in stored(engine, FollowerCountRow)] == ["a1", "a2"]


@pytest.mark.parametrize("group", [1, 10])
def test_pages_waiting_for_their_group_are_stored_before_a_connector_error_ends_the_stream(
        engine: Engine, clock: Any, group: int) -> None:
    seen: list[str] = []
    stream = ScriptedStream("s", [page(n) for n in range(1, 4)], TransientError("503 from the platform"))
    result = run(engine, clock, stream, group=group, pages_seen=seen)
    assert result.status == "partial" and "503" in (result.error or "")
    assert cursors(engine) == {"s": "c3"} and len(item_ids(engine)) == 6
    assert seen == ["c1", "c2", "c3"]


class StoppedStream(Stream):
    """Two pages, then a stop (Ctrl-C, SIGTERM) while the third is fetched."""

    name = "s"

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        yield page(1)
        yield page(2)
        raise KeyboardInterrupt


def test_a_stop_while_a_page_is_fetched_stores_the_pages_fetched_before_it(engine: Engine, clock: Any) -> None:
    with pytest.raises(KeyboardInterrupt):
        run(engine, clock, StoppedStream(), group=10)
    assert cursors(engine) == {"s": "c2"} and len(item_ids(engine)) == 4


class Stop(BaseException):
    """What a daemon's stop check raises."""


@pytest.mark.parametrize("group", [1, 10])
def test_a_stop_checked_between_pages_stores_the_pages_fetched_and_asks_for_no_more(
        engine: Engine, clock: Any, group: int) -> None:
    """The daemon's stop check runs as each page arrives: with pages grouped, the group so far is stored."""
    asked: list[str] = []

    def stop_after_page_2() -> None:
        asked.append("check")
        if len(asked) == 2:
            raise Stop

    settings = type("S", (), {"name": "src", "refresh_days": 7})()
    with pytest.raises(Stop):
        sync_source(engine, "brand", "UTC", settings,  # type: ignore[arg-type]
                    ScriptedConnector(ScriptedStream("s", [page(n) for n in range(1, 6)])), clock=clock,
                    pages_per_transaction=group, between_pages=stop_after_page_2)
    assert cursors(engine) == {"s": "c2"} and item_ids(engine) == {"p1-0", "p1-1", "p2-0", "p2-1"}
    assert len(asked) == 2


def test_the_page_cap_counts_pages_fetched_and_stores_them_all(engine: Engine, clock: Any) -> None:
    stream = ScriptedStream("s", [page(n) for n in range(1, 6)])
    result = run(engine, clock, stream, group=10, limits=SyncLimits(max_pages_per_stream=3))
    assert result.status == "partial" and "page cap" in (result.error or "")
    assert cursors(engine) == {"s": "c3"} and result.pages == 3


def awkward_pages() -> list[Page]:
    """A reply before its thread's top post, replies to replies, counters and followers that change and change back
    (on "x", an owned post: inbound items get no counter snapshots)."""
    def item(external_id: str, likes: int, followers: int, kind: str = "post", parent: str | None = None) -> Item:
        author = Author("test", "a", "person", followers=followers)
        role = "owned" if external_id == "x" else "inbound"
        return Item(platform="test", external_id=external_id, kind=kind, role=role,  # type: ignore[arg-type]
                    author=author, text=external_id, created_at=FIXED_NOW, parent_external_id=parent,
                    counters=Counters(likes=likes))
    return [Page(items=[item("r1", 0, 1, "reply", "t1"), item("x", 1, 1)], cursor="c1"),
            Page(items=[item("t1", 0, 1), item("x", 2, 1), item("r2", 0, 1, "reply", "r1")], cursor="c2"),
            Page(items=[item("x", 1, 2), item("r3", 0, 2, "reply", "r2")]),
            Page(items=[item("x", 1, 1)], cursor="c4"), Page(items=[item("x", 1, 1), item("x", 3, 1)])]


@pytest.mark.parametrize("minutes_per_page", [0, 1, 24 * 60])
def test_awkward_pages_stored_in_a_group_are_the_rows_stored_page_by_page(tmp_path: Path,
                                                                          minutes_per_page: int) -> None:
    tables = []
    for group in (1, 10):
        engine = open_database(f"sqlite:///{tmp_path / f'group{group}.db'}")
        times = iter(FIXED_NOW + timedelta(minutes=minutes_per_page * n) for n in range(100))
        run(engine, times.__next__, ScriptedStream("s", awkward_pages()), group=group,
            limits=SyncLimits(deadline_seconds=float(10**9)))
        tables.append({model.__name__: stored(engine, model) for model in STORED})
        engine.dispose()
    assert tables[0] == tables[1]
    roots = {r["external_id"]: r["root_external_id"] for r in tables[0]["ItemRow"]}
    assert roots == {"r1": "t1", "x": None, "t1": None, "r2": "t1", "r3": "t1"}
    x_snapshots = [r["likes"] for r in tables[0]["CounterSnapshotRow"] if r["external_id"] == "x"]
    assert x_snapshots == ([3] if minutes_per_page == 0 else [1, 2, 1, 3])  # unchanged counters add no snapshot
    assert {r["external_id"] for r in tables[0]["CounterSnapshotRow"]} == {"x"}


@pytest.mark.parametrize("minutes_per_page", [0, 1])
def test_a_sync_stores_what_each_page_stored_on_its_own_stores(tmp_path: Path, minutes_per_page: int) -> None:
    """The sync leaves out author rows its stream stored before unchanged; `save_page` alone never does."""
    engine = open_database(f"sqlite:///{tmp_path / 'alone.db'}")
    times = [FIXED_NOW + timedelta(minutes=minutes_per_page * n) for n in range(5)]
    with engine.begin() as connection:
        profile_id = store.ensure_profile(connection, "brand", "UTC")
    for each, now in zip(awkward_pages(), times, strict=True):
        with engine.begin() as connection:
            store.save_page(connection, profile_id, "src", "s", each, now)
    alone = {model.__name__: stored(engine, model) for model in STORED}
    engine.dispose()
    for group in (1, 2):
        engine = open_database(f"sqlite:///{tmp_path / f'sync{group}.db'}")
        # the run's start, the stream's context, then each page's time and its deadline check
        clock = iter([FIXED_NOW, FIXED_NOW, *(t for t in times for _ in range(2)), *[times[-1]] * 10])
        run(engine, clock.__next__, ScriptedStream("s", awkward_pages()), group=group,
            limits=SyncLimits(deadline_seconds=float(10**9)))
        assert {model.__name__: stored(engine, model) for model in STORED} == alone
        engine.dispose()


def test_an_author_a_stream_stored_unchanged_is_not_written_again(engine: Engine) -> None:
    sent: list[int] = []

    @event.listens_for(engine, "before_cursor_execute")
    def count(connection: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.startswith("INSERT INTO authors"):
            sent.append(len(parameters) if many else 1)

    same = Author("test", "a", "person", followers=5)
    pages = [Page(items=[Item(platform="test", external_id=f"p{n}", kind="post", role="inbound", author=author,
                              text="t", created_at=FIXED_NOW)], cursor=f"c{n}")
             for n, author in enumerate([same, same, same, Author("test", "a", "renamed", followers=5), same])]
    run(engine, lambda: FIXED_NOW, ScriptedStream("s", pages), group=2)
    assert sent == [1, 1, 1]  # the first group; the rename in the second; back to "person" in the third
    assert [(r["handle"], r["followers"]) for r in stored(engine, AuthorRow)] == [("person", 5)]


def test_awkward_pages_grouped_on_postgresql_are_the_rows_sqlite_stores_page_by_page(
        pg_engine: Engine, tmp_path: Path) -> None:
    """On PostgreSQL a group's rows go through Core's executemany, one row after the other, as on SQLite."""
    def run_on(engine: Engine, group: int) -> dict[str, list[dict[str, Any]]]:
        times = iter(FIXED_NOW + timedelta(minutes=n) for n in range(100))
        run(engine, times.__next__, ScriptedStream("s", awkward_pages()), group=group,
            limits=SyncLimits(deadline_seconds=float(10**9)))
        return {model.__name__: [{k: v for k, v in row.items() if k != "id"} for row in stored(engine, model)]
                for model in STORED}

    sqlite_engine = open_database(f"sqlite:///{tmp_path / 'pages.db'}")
    try:
        by_page = run_on(sqlite_engine, 1)
    finally:
        sqlite_engine.dispose()
    assert run_on(pg_engine, 10) == by_page
