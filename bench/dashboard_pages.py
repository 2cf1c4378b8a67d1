"""Dashboard page times: each page on a large database divided by the same page on a small one.

    python -m bench.dashboard_pages [--large 1000000] [--small 10000] [--runs 5] [--keep DIR]

Both databases come from `bench.corpus` at the same items per day (the small one holds
SMALL_HISTORY_DAYS of history, the large one as many more days as it has more items), then the
index is recomputed and one alert per day of history is stored. So every page shows the same
amount of data in both, and only the history behind it grows: a page whose time follows its
view, not the history, has a ratio near 1. Each page is fetched over HTTP from the real server
on a loopback port; each time is the median of `--runs` fetches after one warm-up, as wall time
and as this process's CPU time (the server runs in a thread here). Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from bench.corpus import NOW, PROFILE, build_database
from listener.alerts.outbox import NewAlert, store_alerts
from listener.config.settings import Config
from listener.dashboard import DashboardServer
from listener.index.aggregate import recompute_profile
from listener.storage.engine import open_database
from listener.storage.index_models import EngagerRow
from listener.storage.upsert import table_of

SMALL_HISTORY_DAYS = 91  # the overview's default 90 days of index, and a little more
TARGET_RATIO = 3.0
# A person with about this many interactions exists in both databases: their page shows the same.
# The most active person is measured too; their history (and so their page) grows with the database.
TYPICAL_INTERACTIONS = 40


def bench_config(database: Path) -> Config:
    """The corpus profile with a source named like the corpus's rows, on `database`."""
    source = {"name": "bench", "platform": "mastodon", "base_url": "https://m.example", "account": "brand"}
    return Config.model_validate({"database": {"url": f"sqlite:///{database}"},
                                  "profiles": [{**PROFILE.model_dump(exclude={"sources"}), "sources": [source]}]})


def _alerts(engine: Engine, days: int) -> None:
    with engine.begin() as connection:
        for back in range(days):
            moment = NOW - timedelta(days=back)
            store_alerts(connection, 1, [NewAlert("sentiment_drop", "sentiment_drop:day", None, moment,
                                                  f"Negative mentions up, {back} days ago", False, {})], [], moment)


def build(database: Path, size: int, days: int, seed: int) -> dict[str, float]:
    """A corpus database of `size` items over `days` days, with its index and alerts; build times."""
    engine = open_database(f"sqlite:///{database}")
    try:
        started = time.perf_counter()
        build_database(engine, size, seed, days=days)
        built = time.perf_counter()
        recompute_profile(engine, PROFILE, clock=lambda: NOW)
        _alerts(engine, days)
        return {"build_seconds": built - started, "index_seconds": time.perf_counter() - built}
    finally:
        engine.dispose()


def _person(engine: Engine, interactions: int | None) -> str:
    """The most active person, or the one whose interactions are closest to `interactions`."""
    engagers = table_of(EngagerRow)
    order = engagers.c.interactions.desc() if interactions is None else \
        func.abs(engagers.c.interactions - interactions)
    with engine.connect() as connection:
        row = connection.execute(select(engagers.c.platform, engagers.c.author_external_id)
                                 .order_by(order, engagers.c.author_external_id).limit(1)).one()
    return f"{row.platform}:{row.author_external_id}"


def pages(engine: Engine) -> dict[str, str]:
    """Page name -> path, the same views on every database."""
    day = (NOW - timedelta(days=1)).date().isoformat()
    return {"overview": "/", "overview_component": "/?days=28&component=sentiment", "explain": f"/explain/{day}",
            "inbox": "/inbox", "inbox_filtered": "/inbox?status=all&sentiment=negative",
            "inbox_overdue": "/inbox?status=overdue", "people": "/people",
            "person_typical": f"/people/{_person(engine, TYPICAL_INTERACTIONS)}",
            "person_most_active": f"/people/{_person(engine, None)}",
            "alerts": "/alerts", "sources": "/sources", "reports": "/reports"}


def page_seconds(database: Path, runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of each page, fetched from a server on a loopback port.

    The server runs in a thread of this process, so the process's CPU time covers the server's
    work (and the client's, a small constant); on a busy machine it varies far less than wall time.
    """
    engine = open_database(f"sqlite:///{database}")
    server = DashboardServer(bench_config(database), engine, "127.0.0.1", 0, clock=lambda: NOW)
    url = server.start()
    times: dict[str, tuple[float, float]] = {}
    try:
        with httpx.Client(base_url=url, timeout=600) as client:
            for name, path in pages(engine).items():
                assert client.get(path).status_code == 200, path  # warm-up, and the page works
                walls, cpus = [], []
                for _ in range(runs):
                    wall, cpu = time.perf_counter(), time.process_time()
                    client.get(path).raise_for_status()
                    walls.append(time.perf_counter() - wall)
                    cpus.append(time.process_time() - cpu)
                times[name] = (statistics.median(walls), statistics.median(cpus))
    finally:
        server.stop()
        engine.dispose()
    return times


def measure(large: int, small: int, runs: int, seed: int = 7, keep: Path | None = None) -> dict[str, Any]:
    """Build both databases at the same daily rate, time every page on each, and compare."""
    large_days = round(SMALL_HISTORY_DAYS * large / small)
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        built = {}
        for name, size, days in (("small", small, SMALL_HISTORY_DAYS), ("large", large, large_days)):
            if not (folder / f"{name}-{size}.db").exists():
                built[name] = build(folder / f"{name}-{size}.db", size, days, seed)
        small_times = page_seconds(folder / f"small-{small}.db", runs)
        large_times = page_seconds(folder / f"large-{large}.db", runs)
    return {"large": large, "small": small, "large_days": large_days, "built": built,
            "pages": {n: (small_times[n], large_times[n]) for n in small_times}}


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="Keep (and reuse) the databases in this folder.")
    args = parser.parse_args()
    f = measure(args.large, args.small, args.runs, keep=args.keep)
    print(f"databases: {f['large']:,} items over {f['large_days']} days vs {f['small']:,} items over "
          f"{SMALL_HISTORY_DAYS} days; {f['built']}")
    for name, ((small_wall, small_cpu), (large_wall, large_cpu)) in f["pages"].items():
        ratio, cpu_ratio = large_wall / small_wall, large_cpu / small_cpu
        verdict = "met" if min(ratio, cpu_ratio) <= TARGET_RATIO else "MISSED"
        print(f"RATIO dashboard_{name} {ratio:.2f} (wall: large {large_wall * 1000:.0f} ms, small "
              f"{small_wall * 1000:.0f} ms; cpu ratio {cpu_ratio:.2f}: large {large_cpu * 1000:.0f} ms, small "
              f"{small_cpu * 1000:.0f} ms; target <= {TARGET_RATIO}: {verdict})")


if __name__ == "__main__":
    main()
