"""Store throughput: our batched upserts vs raw sqlite3.executemany on the same rows, in one run.

    python -m bench.store_throughput --items 100000

Prints rows/s of (a) raw `sqlite3.executemany` INSERT into a table of the same shape,
(b) `upsert_rows` on the items table alone (the compiled ON CONFLICT statement through
sqlite3's executemany, listener.storage.sqlite_batch), (c) the full `save_items` path the
sync engine uses per page (items + profile links + counter snapshots, with the read of
stored counters), and the ratios b/a and c/a; and (e) raw executemany of plain INSERTs into the
real, migrated items table (the same schema, all its indexes), with b/e, the figure the store
target is set on. For context it also prints (d) the floor:
sqlite3.executemany of (b)'s statement into the real items table (four indexes, not one)
with the parameters converted before the clock starts, as (a)'s are.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.corpus import sample_texts
from connectors.base import Author, Counters, Item
from listener.storage.engine import open_database
from listener.storage.models import ItemRow
from listener.storage.sqlite_batch import prepare_batch
from listener.storage.store import _item_row, ensure_profile, save_items
from listener.storage.upsert import table_of, upsert_rows, upsert_statement

# CPU seconds of this process: every path runs in it (SQLite included), and on a machine shared with
# other work the CPU clock is far steadier than the wall clock (WAL with synchronous=NORMAL barely waits on disk).
clock = time.process_time
ITEM_UPSERT_UPDATE = ("text", "likes", "shares", "replies", "quotes", "raw")


def make_items(count: int, seed: int = 7) -> list[Item]:
    """Realistic-looking inbound items (corpus texts) with counters and a small raw payload."""
    rng, texts = random.Random(seed), sample_texts(count, seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = []
    for n in range(count):
        author = Author("mastodon", f"m.example/{rng.randrange(5000)}", f"user{n % 5000}", followers=rng.randrange(900))
        text = texts[n]
        items.append(Item(
            platform="mastodon", external_id=f"m.example/{10_000_000 + n}", kind="reply", role="inbound",
            author=author, text=text, created_at=start + timedelta(seconds=37 * n), language="en",
            url=f"https://m.example/@u/{n}", parent_external_id=f"m.example/{n // 10}",
            counters=Counters(likes=rng.randrange(20), shares=rng.randrange(5), replies=rng.randrange(3), quotes=0),
            raw={"id": str(n), "content": f"<p>{text}</p>"},
        ))
    return items


def time_raw_sqlite(rows: list[dict], path: Path, batch: int) -> float:
    """Seconds for plain sqlite3.executemany INSERTs of the same rows and columns."""
    connection = _connect(path)
    columns = list(rows[0])
    connection.execute(f"CREATE TABLE items ({', '.join(columns)}, UNIQUE(platform, external_id))")
    sql = f"INSERT INTO items ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    connection.close()
    values = [tuple(json.dumps(r[c]) if c == "raw" else r[c] for c in columns) for r in rows]
    return _time_executemany(sql, values, path, batch)


def time_raw_same_schema(rows: list[dict], path: Path, batch: int) -> float:
    """Seconds for plain sqlite3.executemany INSERTs of the same rows into the real, migrated items table."""
    open_database(f"sqlite:///{path}").dispose()
    columns = list(rows[0])
    sql = f"INSERT INTO items ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    values = [tuple(_plain(r[c], c) for c in columns) for r in rows]
    return _time_executemany(sql, values, path, batch)


def _plain(value: object, column: str) -> object:
    if column == "raw":
        return json.dumps(value)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value


def _time_executemany(sql: str, values: list[tuple], path: Path, batch: int) -> float:
    connection = _connect(path)
    started = clock()
    for i in range(0, len(values), batch):
        with connection:
            connection.executemany(sql, values[i : i + batch])
    elapsed = clock() - started
    connection.close()
    return elapsed


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def time_upsert_rows(rows: list[dict], path: Path, batch: int) -> float:
    """Seconds for upsert_rows on the items table, one transaction per batch."""
    engine = open_database(f"sqlite:///{path}")
    started = clock()
    for i in range(0, len(rows), batch):
        with engine.begin() as connection:
            upsert_rows(connection, ItemRow, rows[i : i + batch], ["platform", "external_id"],
                        ITEM_UPSERT_UPDATE, batch_size=batch)
    elapsed = clock() - started
    engine.dispose()
    return elapsed


def time_sqlite_floor(rows: list[dict], path: Path, batch: int) -> float:
    """Seconds sqlite3 alone needs for upsert_rows's statement and table, parameters pre-converted."""
    engine = open_database(f"sqlite:///{path}")
    statement = upsert_statement("sqlite", table_of(ItemRow), ("platform", "external_id"), ITEM_UPSERT_UPDATE,
                                 frozenset())
    prepared = prepare_batch(statement, engine.dialect, tuple(rows[0]))
    assert prepared is not None, "the items upsert runs through sqlite_batch on SQLite"
    engine.dispose()
    values = prepared.parameter_rows(rows)
    return _time_executemany(prepared.sql, values, path, batch)


def time_save_items(items: list[Item], path: Path, batch: int, now: datetime) -> float:
    """Seconds for the sync engine's save_items path, one transaction per page."""
    engine = open_database(f"sqlite:///{path}")
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, "bench", "UTC")
    started = clock()
    for i in range(0, len(items), batch):
        with engine.begin() as connection:
            save_items(connection, profile_id, "bench", items[i : i + batch], now)
    elapsed = clock() - started
    engine.dispose()
    return elapsed


def measure(count: int, batch: int = 1000, runs: int = 1) -> dict[str, float]:
    """Medians over `runs` of rows/s for the four paths on the same rows, and of their ratios to raw."""
    now = datetime(2026, 11, 18, tzinfo=UTC)
    items = make_items(count)
    rows = [_item_row(item, now) for item in items]
    raw, core, full, floor, same = [], [], [], [], []
    ratios: dict[str, list[float]] = {"upsert_ratio": [], "save_items_ratio": [], "floor_ratio": [],
                                      "upsert_same_schema_ratio": [], "save_items_same_schema_ratio": []}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            raw.append(count / time_raw_sqlite(rows, Path(tmp) / f"raw{run}.db", batch))
            same.append(count / time_raw_same_schema(rows, Path(tmp) / f"same{run}.db", batch))
            core.append(count / time_upsert_rows(rows, Path(tmp) / f"core{run}.db", batch))
            full.append(count / time_save_items(items, Path(tmp) / f"full{run}.db", batch, now))
            floor.append(count / time_sqlite_floor(rows, Path(tmp) / f"floor{run}.db", batch))
            for name, rate in (("upsert_ratio", core), ("save_items_ratio", full), ("floor_ratio", floor)):
                ratios[name].append(rate[-1] / raw[-1])
            ratios["upsert_same_schema_ratio"].append(core[-1] / same[-1])
            ratios["save_items_same_schema_ratio"].append(full[-1] / same[-1])
    figures = {"rows": count, "raw_rows_per_s": statistics.median(raw), "upsert_rows_per_s": statistics.median(core),
               "save_items_per_s": statistics.median(full), "floor_rows_per_s": statistics.median(floor),
               "raw_same_schema_rows_per_s": statistics.median(same)}
    # each ratio is the median of the per-run ratios: both sides of one ratio share a run's load
    figures.update({name: statistics.median(values) for name, values in ratios.items()})
    return figures


def main() -> None:
    """Run the four measurements on the same rows and print rows/s and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1, help="report the median of this many runs")
    args = parser.parse_args()
    f = measure(args.items, args.batch, args.runs)
    print(f"raw sqlite3.executemany  {f['raw_rows_per_s']:>10,.0f} rows/s")
    print(f"upsert_rows (items)      {f['upsert_rows_per_s']:>10,.0f} rows/s  ratio {f['upsert_ratio']:.2f}")
    print(f"save_items (sync path)   {f['save_items_per_s']:>10,.0f} items/s ratio {f['save_items_ratio']:.2f}")
    print(f"floor (sqlite3 alone)    {f['floor_rows_per_s']:>10,.0f} rows/s  ratio {f['floor_ratio']:.2f}")
    print(f"raw into the real items  {f['raw_same_schema_rows_per_s']:>10,.0f} rows/s; upsert_rows / it "
          f"{f['upsert_same_schema_ratio']:.2f}, save_items / it {f['save_items_same_schema_ratio']:.2f}")


if __name__ == "__main__":
    main()
