"""upsert_rows: SQLite's executemany path stores what Core stores; keep_known and change detection hold on both DBs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, select
from sqlmodel import SQLModel

from connectors.base import Author, Counters, Item, Page
from listener.storage.engine import open_database
from listener.storage.models import (
    AccountRow,
    CounterSnapshotRow,
    EngagementEventRow,
    FollowerCountRow,
    IndexPointRow,
    ItemRow,
    QuarantineRow,
    SentimentRow,
)
from listener.storage.sqlite_batch import prepare_batch
from listener.storage.store import ensure_profile, save_items, save_page
from listener.storage.upsert import table_of, upsert_rows, upsert_statement

NOW = datetime(2026, 11, 18, 13, 0, 5, 120, tzinfo=UTC)
BERLIN = timezone(timedelta(hours=1))
ITEM_KEYS = ["platform", "external_id"]
ITEM_UPDATE = ["kind", "author_external_id", "text", "url", "likes", "rating", "raw"]
KEEP = ("author_external_id", "url")


def _item(n: int, **changes: Any) -> dict[str, Any]:
    row = {"platform": "mastodon", "external_id": f"m/{n}", "kind": "reply", "author_external_id": f"a{n}",
           "text": f"héllo {n} 'quoted' ✓", "url": f"https://m/{n}", "likes": n, "rating": 4.5 if n % 2 else None,
           "created_at": NOW - timedelta(days=n, microseconds=n), "fetched_at": NOW,
           "raw": [None, {"n": n, "ü": "ß", "nested": {"x": 1.5}}] if n % 3 else None}
    return {**row, **changes}


# (model, keys, update, keep_known, first write, second write): every column type the store uses
CASES: list[tuple[type[SQLModel], list[str], list[str], tuple[str, ...], list[dict[str, Any]],
                  list[dict[str, Any]]]] = [
    (ItemRow, ITEM_KEYS, ITEM_UPDATE, KEEP,
     [_item(n) for n in range(6)],
     [_item(0), _item(1, url=None, author_external_id=None, likes=9), _item(2, raw={"new": True}),
      _item(7, created_at=datetime(2026, 3, 29, 2, 30, tzinfo=BERLIN))]),
    (FollowerCountRow, ["platform", "author_external_id", "observed_on"], ["followers", "observed_at"], (),
     [{"platform": "mastodon", "author_external_id": "a1", "observed_on": date(2026, 11, 18),
       "observed_at": NOW, "followers": 10}],
     [{"platform": "mastodon", "author_external_id": "a1", "observed_on": date(2026, 11, 18),
       "observed_at": NOW + timedelta(hours=1), "followers": 11}]),
    (EngagementEventRow, ["platform", "item_external_id", "actor_external_id", "kind"], ["occurred_at"], (),
     [{"platform": "bluesky", "item_external_id": "p", "actor_external_id": f"x{n}", "kind": "like",
       "occurred_at": NOW if n == 1 else None, "first_seen_at": NOW} for n in range(3)],
     [{"platform": "bluesky", "item_external_id": "p", "actor_external_id": "x0", "kind": "like",
       "occurred_at": NOW - timedelta(minutes=3), "first_seen_at": NOW}]),
    (QuarantineRow, ["source", "stream", "digest"], ["error"], (),
     [{"source": "s", "stream": "t", "digest": "d1", "external_id": None, "error": "bad", "payload": None,
       "first_seen_at": NOW},
      {"source": "s", "stream": "t", "digest": "d2", "external_id": "7", "error": "bad", "payload": [1, "two"],
       "first_seen_at": NOW}],
     [{"source": "s", "stream": "t", "digest": "d1", "external_id": None, "error": "worse", "payload": None,
       "first_seen_at": NOW}]),
    # omitted columns with defaults (provisional, coverage) and booleans, floats, JSON lists
    (IndexPointRow, ["profile_id", "day", "formula_version"], ["daily_index", "provisional", "used_components"], (),
     [{"profile_id": 1, "day": date(2026, 11, 17), "formula_version": "v1", "daily_index": 51.25,
       "used_components": ["volume", "sentiment"], "computed_at": NOW}],
     [{"profile_id": 1, "day": date(2026, 11, 17), "formula_version": "v1", "daily_index": 49.0,
       "provisional": True, "used_components": [], "computed_at": NOW}]),
    (SentimentRow, ["platform", "external_id", "scorer_version"], [], (),
     [{"platform": "mastodon", "external_id": "m/1", "scorer_version": "vader-1", "status": "scored",
       "compound": -0.5, "language_source": "platform", "scored_at": NOW}],
     [{"platform": "mastodon", "external_id": "m/1", "scorer_version": "vader-1", "status": "changed",
       "compound": 0.9, "language_source": "platform", "scored_at": NOW}]),
]


@pytest.fixture
def two_databases(tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    fast, core = open_database(f"sqlite:///{tmp_path / 'fast.db'}"), open_database(f"sqlite:///{tmp_path / 'core.db'}")
    with fast.begin() as connection:
        ensure_profile(connection, "acme", "UTC")
    with core.begin() as connection:
        ensure_profile(connection, "acme", "UTC")
    yield fast, core
    fast.dispose()
    core.dispose()


def _stored(connection: Connection, model: type[SQLModel]) -> list[tuple[Any, ...]]:
    """Every stored value as SQLite's own literal (quote() tells 1 from 1.0 from '1')."""
    table = table_of(model)
    columns = ", ".join(f"quote({c.name})" for c in table.columns)
    return connection.exec_driver_sql(f"SELECT {columns} FROM {table.name} ORDER BY id").all()


@pytest.mark.parametrize(("model", "keys", "update", "known", "first", "second"), CASES,
                         ids=[case[0].__name__ for case in CASES])
def test_executemany_path_stores_the_same_values_as_core(two_databases: tuple[Engine, Engine], model: Any,
                                                        keys: list[str], update: list[str], known: tuple[str, ...],
                                                        first: list[dict[str, Any]],
                                                        second: list[dict[str, Any]]) -> None:
    fast, core = two_databases
    statement = upsert_statement("sqlite", table_of(model), tuple(keys), tuple(update), frozenset(known))
    assert prepare_batch(statement, fast.dialect, tuple(first[0])) is not None, "the fast path must be the one tested"
    for rows in (first, second):
        with fast.begin() as connection:
            upsert_rows(connection, model, rows, keys, update, keep_known=known)
        with core.begin() as connection:
            connection.execute(statement, rows)
    with fast.connect() as f, core.connect() as c:
        stored = _stored(f, model)
        assert stored == _stored(c, model)
    assert len(stored) == len({tuple(r[k] for k in keys) for r in first + second})


def test_json_documents_are_bound_as_the_json_type_binds_them(engine: Engine) -> None:
    raws: list[Any] = [{"n": 1, "ü": "ß€😀", "nested": {"x": [1.5, None, True]}}, {"nan": float("nan"), "big": 10**30},
                       {}, [1, {"a": 2}], None, "text", {"quote": '"\\\n'}]
    rows = [_item(n, raw=raw) for n, raw in enumerate(raws)]
    statement = upsert_statement("sqlite", table_of(ItemRow), tuple(ITEM_KEYS), tuple(ITEM_UPDATE), frozenset(KEEP))
    prepared = prepare_batch(statement, engine.dialect, tuple(rows[0]))
    assert prepared is not None
    position = [p.name for run in prepared.runs for p in run].index("raw")
    processor = table_of(ItemRow).c.raw.type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
    assert [row[position] for row in prepared.parameter_rows(rows)] == [processor(raw) for raw in raws]
    circular: dict[str, Any] = {}
    circular["self"] = circular
    with pytest.raises(ValueError, match="Circular reference"):
        prepared.parameter_rows([_item(9, raw=circular)])


def test_none_is_bound_as_null_by_an_adapter_that_answers_at_once() -> None:
    import sqlite3

    assert sqlite3.adapt(None) is None  # without the adapter sqlite3 raises "can't adapt" here
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (a, b)")
    connection.executemany("INSERT INTO t VALUES (?, ?)", [(None, 1), (2, None)])
    assert connection.execute("SELECT typeof(a), typeof(b) FROM t").fetchall() == [("null", "integer"),
                                                                                 ("integer", "null")]
    connection.close()


def test_naive_datetime_is_refused_not_guessed(engine: Engine) -> None:
    with pytest.raises(ValueError, match="naive datetime"), engine.begin() as connection:
        upsert_rows(connection, ItemRow, [_item(1, created_at=datetime(2026, 1, 1))], ITEM_KEYS, ITEM_UPDATE)
    with engine.connect() as connection:
        assert connection.execute(select(table_of(ItemRow))).all() == []


def test_rows_past_the_batch_size_are_all_stored(engine: Engine) -> None:
    with engine.begin() as connection:
        upsert_rows(connection, ItemRow, [_item(n) for n in range(25)], ITEM_KEYS, ITEM_UPDATE, batch_size=10)
    with engine.connect() as connection:
        assert len(connection.execute(select(table_of(ItemRow).c.id)).all()) == 25


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")  # type: ignore[no-any-return]


def _write_marks(connection: Connection) -> Any:
    """Something that changes whenever a row of items is written (SQLite: total_changes; PostgreSQL: xmin)."""
    if connection.dialect.name == "sqlite":
        return connection.exec_driver_sql("SELECT total_changes()").scalar_one()
    return connection.exec_driver_sql("SELECT external_id, xmin::text FROM items ORDER BY id").all()


def test_unchanged_rows_are_not_rewritten_and_known_values_never_blanked(any_engine: Engine) -> None:
    rows = [_item(n) for n in range(4)]
    with any_engine.begin() as connection:
        upsert_rows(connection, ItemRow, rows, ITEM_KEYS, ITEM_UPDATE, keep_known=KEEP)
    with any_engine.begin() as connection:
        before = _write_marks(connection)
        upsert_rows(connection, ItemRow, rows, ITEM_KEYS, ITEM_UPDATE, keep_known=KEEP)
        assert _write_marks(connection) == before
    with any_engine.begin() as connection:
        upsert_rows(connection, ItemRow, [_item(1, url=None, author_external_id=None, likes=40)],
                    ITEM_KEYS, ITEM_UPDATE, keep_known=KEEP)
        assert _write_marks(connection) != before
    table = table_of(ItemRow)
    with any_engine.connect() as connection:
        stored = connection.execute(select(table.c.url, table.c.author_external_id, table.c.likes)
                                    .where(table.c.external_id == "m/1")).one()
    assert tuple(stored) == ("https://m/1", "a1", 40)


def test_postgresql_runs_upserts_through_core(pg_engine: Engine) -> None:
    statement = upsert_statement("postgresql", table_of(ItemRow), tuple(ITEM_KEYS), tuple(ITEM_UPDATE), frozenset())
    assert prepare_batch(statement, pg_engine.dialect, tuple(_item(1))) is None


def _owned(n: int, author: Author) -> Item:
    return Item(platform="mastodon", external_id=f"m/{n}", kind="post", role="owned", author=author,
                text=f"post {n}", created_at=NOW - timedelta(hours=n), counters=Counters(likes=n))


def test_save_page_records_the_pages_owned_accounts_in_one_upsert(any_engine: Engine) -> None:
    brand, support = Author("mastodon", "brand", "acme"), Author("mastodon", "help", "acme_help")
    fan = Author("mastodon", "fan", "fan")
    inbound = Item(platform="mastodon", external_id="m/9", kind="reply", role="inbound", author=fan,
                   text="love it", created_at=NOW)
    page = Page(items=[_owned(1, brand), _owned(2, support), _owned(3, brand), inbound], cursor="c2")
    writes: list[str] = []
    event.listen(any_engine, "before_cursor_execute",
                 lambda _c, _k, statement, *_: writes.append(statement.split(" (")[0]))
    with any_engine.begin() as connection:
        profile_id = ensure_profile(connection, "acme", "UTC")
        writes.clear()
        save_page(connection, profile_id, "src", "posts", page, NOW)
    accounts = table_of(AccountRow)
    with any_engine.connect() as connection:
        stored = connection.execute(select(accounts.c.external_id, accounts.c.handle, accounts.c.source)
                                    .order_by(accounts.c.external_id)).all()
    assert [tuple(r) for r in stored] == [("brand", "acme", "src"), ("help", "acme_help", "src")]
    assert writes.count("INSERT INTO accounts") == 1
    assert writes.count("INSERT INTO sync_cursors") == 1


def test_counters_are_snapshotted_when_new_or_changed_only(any_engine: Engine) -> None:
    post = _owned(1, Author("mastodon", "brand", "acme"))
    quiet = Item(platform="mastodon", external_id="m/quiet", kind="post", role="owned", author=None,
                 text="no counters", created_at=NOW)
    with any_engine.begin() as connection:
        profile_id = ensure_profile(connection, "acme", "UTC")
    for hours, likes in ((0, 1), (1, 1), (2, 2)):
        with any_engine.begin() as connection:
            save_items(connection, profile_id, "src", [replace(post, counters=Counters(likes=likes, shares=0)), quiet],
                       NOW + timedelta(hours=hours))
    snapshots = table_of(CounterSnapshotRow)
    with any_engine.connect() as connection:
        stored = connection.execute(select(snapshots.c.external_id, snapshots.c.observed_at, snapshots.c.likes)
                                    .order_by(snapshots.c.observed_at)).all()
    assert [tuple(r) for r in stored] == [("m/1", NOW, 1), ("m/1", NOW + timedelta(hours=2), 2)]


def test_counters_are_snapshotted_for_items_a_profile_owns_only(any_engine: Engine) -> None:
    """Nothing reads an inbound item's counter history; an item owned by any profile keeps its snapshots."""
    def seen(external_id: str, role: str, likes: int) -> Item:
        return Item(platform="mastodon", external_id=external_id, kind="post", role=role,  # type: ignore[arg-type]
                    author=None, text=external_id, created_at=NOW, counters=Counters(likes=likes))
    with any_engine.begin() as connection:
        acme, other = ensure_profile(connection, "acme", "UTC"), ensure_profile(connection, "other", "UTC")
    sightings = [  # (hours after NOW, profile, items)
        (0, acme, [seen("m/in", "inbound", 1), seen("m/later", "inbound", 5), seen("m/theirs", "inbound", 1)]),
        (1, other, [seen("m/theirs", "owned", 2)]),
        (2, acme, [seen("m/in", "inbound", 2), seen("m/theirs", "inbound", 3)]),  # owned by the other profile
        (3, other, [seen("m/later", "owned", 5)]),  # first owned sighting, counters as stored: its first snapshot
        (4, other, [seen("m/later", "owned", 5)]),  # unchanged: none
    ]
    for hours, profile_id, items in sightings:
        with any_engine.begin() as connection:
            save_items(connection, profile_id, "src", items, NOW + timedelta(hours=hours))
    snapshots = table_of(CounterSnapshotRow)
    with any_engine.connect() as connection:
        stored = connection.execute(select(snapshots.c.external_id, snapshots.c.observed_at, snapshots.c.likes)
                                    .order_by(snapshots.c.id)).all()
    assert [tuple(r) for r in stored] == [("m/theirs", NOW + timedelta(hours=1), 2),
                                          ("m/theirs", NOW + timedelta(hours=2), 3),
                                          ("m/later", NOW + timedelta(hours=3), 5)]


def _reply(external_id: str, parent: str) -> Item:
    return Item(platform="mastodon", external_id=external_id, kind="reply", role="inbound", author=None,
                text=f"re {parent}", created_at=NOW, parent_external_id=parent)


def test_a_replys_root_is_the_same_whichever_of_it_and_its_parents_came_first(any_engine: Engine) -> None:
    post = Item(platform="mastodon", external_id="m/top", kind="post", role="owned", author=None, text="top",
                created_at=NOW)
    # the grandchild comes first, then its parent (no root known yet), then the thread's top post,
    # then a reply whose parent is stored: every stored id list is read through one bound parameter
    pages = [[_reply("m/c2", "m/c1")], [_reply("m/c1", "m/top"), _reply("m/x0", "m/none")], [post],
             [_reply("m/c3", "m/c2")]]
    with any_engine.begin() as connection:
        profile_id = ensure_profile(connection, "acme", "UTC")
    for items in pages:
        with any_engine.begin() as connection:
            save_items(connection, profile_id, "src", items, NOW)
    items_table = table_of(ItemRow)
    with any_engine.connect() as connection:
        roots = dict(connection.execute(select(items_table.c.external_id, items_table.c.root_external_id)).all())
    assert roots == {"m/top": None, "m/c1": "m/top", "m/c2": "m/top", "m/c3": "m/top", "m/x0": None}


def test_corrections_are_found_by_platform_and_id_on_both_databases(any_engine: Engine) -> None:
    from listener.sentiment.corrections import corrections_for
    from listener.storage.models import SentimentCorrectionRow

    labels = {("mastodon", "m/1"): "positive", ("mastodon", "m/2"): "negative", ("bluesky", "m/1"): "neutral"}
    with any_engine.begin() as connection:
        upsert_rows(connection, SentimentCorrectionRow, [
            {"platform": p, "external_id": e, "label": label, "corrected_by": "ed", "corrected_at": NOW}
            for (p, e), label in labels.items()], ["platform", "external_id"])
    wanted = [("mastodon", "m/1"), ("bluesky", "m/1"), ("mastodon", "m/3"), ("bluesky", "m/2"), ("x", "m/2")]
    with any_engine.connect() as connection:
        assert corrections_for(connection, wanted) == {k: labels[k] for k in wanted if k in labels}
        assert corrections_for(connection, []) == {}
