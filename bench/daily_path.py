"""The daily path: 1,000 new items synced, scored, aggregated and alert-checked, against the full run.

    python -m bench.daily_path [--size 100000] [--new 1000]

The full run is the backfill a new user starts with: `--size` corpus statuses through the real
path (Mastodon normalisation, `sync_source`, `score_pending`, the first aggregation) into a fresh
SQLite file. The daily path then takes the next `--new` statuses (the newest of the same seeded
world) through the same sync, scoring and index update, plus the profile's alert detectors, as
one daemon cycle would. Prints both times (wall and CPU seconds) and their ratio, from one run.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.corpus import NOW, PROFILE, statuses
from bench.incremental_index import timed
from bench.pipeline import SETTINGS, CorpusConnector, load_language_models, run_pipeline
from listener.alerts import evaluate_alerts
from listener.collect.sync import sync_source
from listener.config.settings import Config
from listener.index.aggregate import aggregate_profile
from listener.sentiment.score import score_pending
from listener.storage.engine import open_database


def daily_cycle(engine: Any, records: list[dict[str, Any]], config: Config) -> int:
    """One daemon cycle's work for new statuses: sync, score, index update, alert detectors."""
    later = NOW + timedelta(minutes=30)
    sync_source(engine, PROFILE.name, PROFILE.timezone, SETTINGS, CorpusConnector(iter(records)), clock=lambda: later)
    scored = score_pending(engine, clock=lambda: later)
    aggregate_profile(engine, PROFILE, clock=lambda: later)
    evaluate_alerts(engine, config, clock=lambda: later)
    return scored


def run(size: int, new: int, database: Path, seed: int = 7) -> dict[str, float]:
    """Backfill `size` statuses (timed), then one daily cycle of the `new` next ones (timed)."""
    load_language_models()
    generated = statuses(size + new, seed)
    backfill, fresh = list(itertools.islice(generated, size)), list(generated)
    engine = open_database(f"sqlite:///{database}")
    full_wall, full_cpu, _ = timed(lambda: run_pipeline(engine, backfill))
    daily_wall, daily_cpu, scored = timed(lambda: daily_cycle(engine, fresh, Config(profiles=[PROFILE])))
    engine.dispose()
    assert scored == new
    return {"items": size, "new_items": new, "full_seconds": full_wall, "daily_seconds": daily_wall,
            "ratio": daily_wall / full_wall, "full_cpu": full_cpu, "daily_cpu": daily_cpu,
            "cpu_ratio": daily_cpu / full_cpu}


def describe(f: dict[str, float]) -> str:
    """One line with both times and both ratios."""
    return (f"daily path: {f['new_items']:,.0f} new items on {f['items']:,.0f} in {f['daily_seconds']:.2f}s "
            f"(CPU {f['daily_cpu']:.2f}s); full run {f['full_seconds']:.1f}s (CPU {f['full_cpu']:.1f}s); "
            f"ratio {f['ratio']:.4f} (CPU {f['cpu_ratio']:.4f})")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        print(describe(run(args.size, args.new, Path(scratch) / "daily.db")))


if __name__ == "__main__":
    main()
