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
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connectors.base import Author, Counters, Item
from listener.storage.engine import open_database
from listener.storage.models import ItemRow
from listener.storage.store import _item_row, ensure_profile, save_items
from listener.storage.upsert import upsert_rows

WORDS = "great coffee grinder broke support thanks love slow shipping refund espresso crema".split()


def make_items(count: int, seed: int = 7) -> list[Item]:
    """Realistic-looking inbound items with counters and a small raw payload."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = []
    for n in range(count):
        author = Author("mastodon", f"m.example/{rng.randrange(5000)}", f"user{n % 5000}", followers=rng.randrange(900))
        text = " ".join(rng.choice(WORDS) for _ in range(22))
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


def main() -> None:
    """Run the three measurements on the same rows and print rows/s and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    now = datetime(2026, 11, 18, tzinfo=UTC)
    items = make_items(args.items)
    rows = [_item_row(item, now) for item in items]
    with tempfile.TemporaryDirectory() as tmp:
        raw = time_raw_sqlite(rows, Path(tmp) / "raw.db", args.batch)
        core = time_upsert_rows(rows, Path(tmp) / "core.db", args.batch)
        full = time_save_items(items, Path(tmp) / "full.db", args.batch, now)
    n = args.items
    print(f"raw sqlite3.executemany  {n / raw:>10,.0f} rows/s")
    print(f"upsert_rows (items)      {n / core:>10,.0f} rows/s  ratio {raw / core:.2f}")
    print(f"save_items (sync path)   {n / full:>10,.0f} items/s ratio {raw / full:.2f}")


if __name__ == "__main__":
    main()
