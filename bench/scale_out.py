"""Scale-out: items/s of `ror worker` processes on an I/O-bound load, and the PostgreSQL store against raw COPY.

    python -m bench.scale_out [--sources 100] [--delay 0.2] [--workers 1 2 4] [--concurrency 1 8] [--rows 20000]

Part 1: `--sources` Hacker News sources on a loopback fake platform that answers every page
after `--delay` seconds (two pages of ten items per poll). For each (workers, concurrency)
pair: a fresh database, that many `ror worker --queues poll,maintenance` processes, and once
they are all up one poll of every source is queued; the figure is items stored per second
from that moment until the last poll ended. RATIO: 4 workers against 1 at concurrency 1.

Part 2, same run: `--rows` items written (a) by raw COPY into a table of the items table's
columns, (b) by `upsert_rows` into the items table, (c) by the sync engine's `save_items`
(items + profile links + counter snapshots), one transaction per 1,000 rows.

Needs a PostgreSQL server: $ROR_TEST_POSTGRES_URL, else a throwaway cluster (Debian's
postgresql package). Not a test: the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import functools
import json
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.store_throughput import ITEM_UPSERT_UPDATE, make_items
from listener.config.settings import load_config
from listener.storage.engine import open_database
from listener.storage.models import ItemRow
from listener.storage.store import _item_row, ensure_profile, save_items
from listener.storage.upsert import upsert_rows
from listener.workers.app import build_app, defer_poll
from tests.postgres_server import postgres_url
from tests.workers_harness import FakeHackerNews, term, wait_for, workers, write_config

ITEMS_PER_POLL, PAGE_SIZE = 20, 10
TARGET_SPEEDUP = 3.0
BATCH = 1000


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new migrated database on the server; dropped afterwards."""
    name = f"ror_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    open_database(url).dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def measure_workers(server_url: str, sources: int, delay: float, count: int, concurrency: int) -> float:
    """Items/s of `count` workers at `concurrency` polling every source once."""
    platform = FakeHackerNews(items_per_source=ITEMS_PER_POLL, page_size=PAGE_SIZE,
                              latency=functools.partial(time.sleep, delay))  # the platform's response time
    with fresh_database(server_url) as url, platform.serving() as base_url, \
            tempfile.TemporaryDirectory() as scratch:
        config = write_config(Path(scratch), url, base_url, sources, 24 * 3600, page_size=PAGE_SIZE)
        app = build_app(load_config(config))
        with workers(config, Path(scratch), count, "--queues", "poll,maintenance",
                     "--concurrency", str(concurrency)) as running:
            wait_for(lambda: all("Starting worker" in w.text() for w in running), 120, "the workers up")
            started = time.time()
            with app.open():
                for n in range(sources):
                    defer_poll(app, term(n))

            def last_end() -> float | None:
                ends = [max((p.ended or 0) for p in platform.polls[term(n)]) if platform.polls[term(n)] else 0
                        for n in range(sources)]
                return max(ends) if min(ends) > started else None

            finished = wait_for(last_end, 600, "every source polled")
            for worker in running:
                worker.stop()
    return sources * ITEMS_PER_POLL / (finished - started)


def measure_store(server_url: str, rows: int) -> dict[str, float]:
    """Rows/s of raw COPY, upsert_rows and save_items for the same items on PostgreSQL."""
    items = make_items(rows)
    now = datetime(2026, 11, 18, tzinfo=UTC)
    item_rows = [_item_row(i, now) for i in items]
    with fresh_database(server_url) as url:
        engine = open_database(url)
        columns = list(item_rows[0])
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE copy_items (LIKE items INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                                    "INCLUDING INDEXES)"))
        values = [tuple(json.dumps(r[c]) if c == "raw" else r[c] for c in columns) for r in item_rows]
        raw = engine.raw_connection()
        started = time.perf_counter()
        for i in range(0, rows, BATCH):
            with raw.cursor() as cursor, cursor.copy(f"COPY copy_items ({', '.join(columns)}) FROM STDIN") as copy:
                for value in values[i: i + BATCH]:
                    copy.write_row(value)
            raw.commit()
        copy_seconds = time.perf_counter() - started
        raw.close()
        started = time.perf_counter()
        for i in range(0, rows, BATCH):
            with engine.begin() as connection:
                upsert_rows(connection, ItemRow, item_rows[i: i + BATCH], ["platform", "external_id"],
                            ITEM_UPSERT_UPDATE)
        upsert_seconds = time.perf_counter() - started
        with engine.begin() as connection:
            connection.execute(text("TRUNCATE items CASCADE"))
            profile_id = ensure_profile(connection, "bench", "UTC")
        started = time.perf_counter()
        for i in range(0, rows, BATCH):
            with engine.begin() as connection:
                save_items(connection, profile_id, "bench", items[i: i + BATCH], now)
        save_seconds = time.perf_counter() - started
        engine.dispose()
    return {"copy_rows_per_s": rows / copy_seconds, "upsert_rows_per_s": rows / upsert_seconds,
            "save_items_per_s": rows / save_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds before the fake API answers a page")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args()
    # SIGTERM unwinds like Ctrl-C, so the worker processes and the throwaway cluster are cleaned up.
    signal.signal(signal.SIGTERM, lambda _number, _frame: sys.exit(1))
    figures: dict[str, float] = {}
    with postgres_url() as server_url:
        if server_url is None:
            raise SystemExit("no PostgreSQL server: install Debian's postgresql package or set ROR_TEST_POSTGRES_URL")
        for concurrency in args.concurrency:
            for count in args.workers:
                rate = measure_workers(server_url, args.sources, args.delay, count, concurrency)
                figures[f"workers_{count}_concurrency_{concurrency}_items_per_s"] = rate
                print(f"{count} worker(s), concurrency {concurrency:>2}: {rate:>8,.0f} items/s", flush=True)
        store = measure_store(server_url, args.rows)
    figures.update(store)
    print(f"raw COPY              {store['copy_rows_per_s']:>10,.0f} rows/s")
    print(f"upsert_rows (items)   {store['upsert_rows_per_s']:>10,.0f} rows/s  ratio "
          f"{store['upsert_rows_per_s'] / store['copy_rows_per_s']:.2f}")
    print(f"save_items (sync)     {store['save_items_per_s']:>10,.0f} items/s ratio "
          f"{store['save_items_per_s'] / store['copy_rows_per_s']:.2f}")
    low, high = min(args.workers), max(args.workers)
    for concurrency in args.concurrency:
        speedup = (figures[f"workers_{high}_concurrency_{concurrency}_items_per_s"]
                   / figures[f"workers_{low}_concurrency_{concurrency}_items_per_s"])
        figures[f"speedup_{high}_vs_{low}_concurrency_{concurrency}"] = speedup
        target = f" (target >= {TARGET_SPEEDUP}: {'met' if speedup >= TARGET_SPEEDUP else 'MISSED'})" \
            if concurrency == 1 else ""
        print(f"RATIO scale_out_{high}_vs_{low}_workers_concurrency_{concurrency} {speedup:.2f}{target}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
