"""Store throughput: our batched upserts vs raw sqlite3.executemany on the same rows, in one run.

    python -m bench.store_throughput --items 100000

Prints rows/s of (a) raw `sqlite3.executemany` INSERT into a table of the same shape,
(b) `upsert_rows` on the items table alone (SQLAlchemy Core, ON CONFLICT), (c) the full
`save_items` path the sync engine uses per page (items + profile links + counter
snapshots, with the read of stored counters), and the ratios b/a and c/a.
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
from listener.storage.store import _item_row, ensure_profile, save_items
from listener.storage.upsert import upsert_rows


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
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    columns = list(rows[0])
    connection.execute(f"CREATE TABLE items ({', '.join(columns)}, UNIQUE(platform, external_id))")
    sql = f"INSERT INTO items ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    values = [tuple(json.dumps(r[c]) if c == "raw" else r[c] for c in columns) for r in rows]
    started = time.perf_counter()
    for i in range(0, len(values), batch):
        with connection:
            connection.executemany(sql, values[i : i + batch])
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def time_upsert_rows(rows: list[dict], path: Path, batch: int) -> float:
    """Seconds for upsert_rows on the items table, one transaction per batch."""
    engine = open_database(f"sqlite:///{path}")
    started = time.perf_counter()
    for i in range(0, len(rows), batch):
        with engine.begin() as connection:
            upsert_rows(connection, ItemRow, rows[i : i + batch], ["platform", "external_id"],
                        ["text", "likes", "shares", "replies", "quotes", "raw"], batch_size=batch)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def time_save_items(items: list[Item], path: Path, batch: int, now: datetime) -> float:
    """Seconds for the sync engine's save_items path, one transaction per page."""
    engine = open_database(f"sqlite:///{path}")
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, "bench", "UTC")
    started = time.perf_counter()
    for i in range(0, len(items), batch):
        with engine.begin() as connection:
            save_items(connection, profile_id, "bench", items[i : i + batch], now)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def measure(count: int, batch: int = 1000, runs: int = 1) -> dict[str, float]:
    """Medians over `runs` of rows/s for the three paths on the same rows, and their ratios to raw."""
    now = datetime(2026, 11, 18, tzinfo=UTC)
    items = make_items(count)
    rows = [_item_row(item, now) for item in items]
    raw, core, full = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            raw.append(count / time_raw_sqlite(rows, Path(tmp) / f"raw{run}.db", batch))
            core.append(count / time_upsert_rows(rows, Path(tmp) / f"core{run}.db", batch))
            full.append(count / time_save_items(items, Path(tmp) / f"full{run}.db", batch, now))
    figures = {"rows": count, "raw_rows_per_s": statistics.median(raw), "upsert_rows_per_s": statistics.median(core),
               "save_items_per_s": statistics.median(full)}
    figures["upsert_ratio"] = figures["upsert_rows_per_s"] / figures["raw_rows_per_s"]
    figures["save_items_ratio"] = figures["save_items_per_s"] / figures["raw_rows_per_s"]
    return figures


def main() -> None:
    """Run the three measurements on the same rows and print rows/s and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1, help="report the median of this many runs")
    args = parser.parse_args()
    f = measure(args.items, args.batch, args.runs)
    print(f"raw sqlite3.executemany  {f['raw_rows_per_s']:>10,.0f} rows/s")
    print(f"upsert_rows (items)      {f['upsert_rows_per_s']:>10,.0f} rows/s  ratio {f['upsert_ratio']:.2f}")
    print(f"save_items (sync path)   {f['save_items_per_s']:>10,.0f} items/s ratio {f['save_items_ratio']:.2f}")


if __name__ == "__main__":
    main()
