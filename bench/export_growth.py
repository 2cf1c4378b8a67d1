"""Export growth: the weekly export on a large database divided by the same on a 10x smaller one.

    python -m bench.export_growth [--large 1000000] [--small 100000] [--runs 3]

Both databases come from `bench.corpus` at the same items per day (the small one holds
four weeks of history), so the exported week holds the same items in both and only the
history behind it grows. Each timing is `build_weekly_summary` plus rendering every format
(CSV, JSON, Markdown, HTML) to files, the median of `--runs`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.corpus import NOW, PROFILE, build_database
from listener.exports import RENDERERS, IsoWeek, build_weekly_summary, write_summary
from listener.storage.engine import open_database

SMALL_HISTORY_DAYS = 35  # the exported week, the week before it and the 28-day lookbacks


def export_seconds(database: Path, directory: Path, runs: int) -> tuple[float, int]:
    """Median seconds of one weekly export (all formats) and the items in the exported week."""
    engine = open_database(f"sqlite:///{database}")
    week = IsoWeek.last_complete(NOW, PROFILE.zone)
    seconds, items = [], 0
    try:
        for _ in range(runs):
            started = time.perf_counter()
            summary = build_weekly_summary(engine, PROFILE, week, NOW)
            write_summary(summary, list(RENDERERS), directory)
            seconds.append(time.perf_counter() - started)
            items = summary.total.inbound_items + summary.total.owned_posts + summary.total.owned_replies
    finally:
        engine.dispose()
    return statistics.median(seconds), items


def build(database: Path, size: int, days: int, seed: int) -> None:
    """A corpus database of `size` items over `days` days."""
    engine = open_database(f"sqlite:///{database}")
    try:
        build_database(engine, size, seed, days=days)
    finally:
        engine.dispose()


def measure(large: int, small: int, runs: int, seed: int = 7, scratch: Path | None = None) -> dict[str, float]:
    """Build both databases at the same daily rate, export the same week from each, and compare."""
    large_days = round(SMALL_HISTORY_DAYS * large / small)
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        folder = Path(tmp)
        build(folder / "small.db", small, SMALL_HISTORY_DAYS, seed)
        build(folder / "large.db", large, large_days, seed)
        (folder / "out").mkdir()
        small_s, small_week = export_seconds(folder / "small.db", folder / "out", runs)
        large_s, large_week = export_seconds(folder / "large.db", folder / "out", runs)
    return {"large": large, "small": small, "large_days": large_days, "small_seconds": small_s,
            "large_seconds": large_s, "ratio": large_s / small_s, "small_week_items": small_week,
            "large_week_items": large_week}


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    f = measure(args.large, args.small, args.runs)
    print(f"weekly export: {f['large']:,} items ({f['large_days']} days) {f['large_seconds']:.3f}s, "
          f"{f['small']:,} items ({SMALL_HISTORY_DAYS} days) {f['small_seconds']:.3f}s, ratio {f['ratio']:.2f} "
          f"(week items {f['large_week_items']:,} / {f['small_week_items']:,})")


if __name__ == "__main__":
    main()
