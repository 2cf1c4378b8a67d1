"""Incremental index update vs full recompute on a large synthetic SQLite database.

    python -m bench.incremental_index [--size 1000000] [--new 1000] [--seed 7] [--db PATH]

Builds a seeded database of `--size` items over two years (`bench.corpus`, bulk inserts through
SQLAlchemy Core), rebuilds the index from scratch (timed), adds `--new` items as one sync would (new
inbound replies and mentions, brand posts and replies, their scores, counter snapshots and
likes), then runs the ordinary incremental update (timed). Prints both times and their ratio,
measured in one run. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.corpus import NOW, PROFILE, add_new_items, build_database
from listener.index.aggregate import aggregate_profile, recompute_profile
from listener.storage.engine import open_database


def timed(action: Any) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds an action took, and its result.

    CPU time is shown beside wall time because a busy machine stretches wall time only.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run(size: int, new: int, seed: int, database: Path) -> dict[str, float]:
    """Build, recompute fully, add `new` items, update incrementally; returns the figures."""
    engine = open_database(f"sqlite:///{database}")
    build_seconds, _, world = timed(lambda: build_database(engine, size, seed))
    full_wall, full_cpu, points = timed(lambda: recompute_profile(engine, PROFILE, clock=lambda: NOW))
    later = NOW + timedelta(minutes=30)
    add_new_items(engine, world, new, later)
    incremental_wall, incremental_cpu, _ = timed(lambda: aggregate_profile(engine, PROFILE, clock=lambda: later))
    engine.dispose()
    return {"items": size, "new_items": new, "points": points, "build_seconds": build_seconds,
            "full_seconds": full_wall, "incremental_seconds": incremental_wall, "ratio": incremental_wall / full_wall,
            "full_cpu": full_cpu, "incremental_cpu": incremental_cpu, "cpu_ratio": incremental_cpu / full_cpu}


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="items in the database (default 1,000,000)")
    parser.add_argument("--new", type=int, default=1000, help="items added before the incremental update")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, default=None, help="database file (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        database = args.db or Path(scratch) / "bench.db"
        figures = run(args.size, args.new, args.seed, database)
    print(f"items={figures['items']} new={figures['new_items']} points={figures['points']:.0f} "
          f"build={figures['build_seconds']:.1f}s full_recompute={figures['full_seconds']:.2f}s "
          f"incremental={figures['incremental_seconds']:.3f}s ratio={figures['ratio']:.4f} "
          f"(cpu: full={figures['full_cpu']:.2f}s incremental={figures['incremental_cpu']:.3f}s "
          f"ratio={figures['cpu_ratio']:.4f})")


if __name__ == "__main__":
    main()
