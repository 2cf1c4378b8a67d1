"""The daily path: 1,000 new items synced, scored, aggregated and alert-checked, against the full run.

    python -m bench.daily_path [--size 100000] [--new 1000] [--cycles 7]

The full run is the backfill a new user starts with: `--size` corpus statuses through the real
path (Mastodon normalisation, `sync_source`, `score_pending`, the first aggregation) into a fresh
SQLite file. The daily path then takes the next `--new` statuses (the newest of the same seeded
world) through the steps `ror run` takes each poll, in the same process, as a running daemon does
(models loaded, engine kept): sync, scoring with the profile's scorer, the index update and the
alert cycle. The first poll after the backfill does once-per-process work a running daemon does not
repeat (the stored scores checked against the profile's scorer, the alert windows since the backfill,
SQLAlchemy compiling the update's statements): it is timed and printed, but not counted. Then
`--cycles` more, each the next batch half an hour later; the ratio is the median of those cycles'
CPU over the full run's, so one cycle the machine slowed does not decide it. The backfill's records
are let go before the cycles (a daemon never holds them).

The collector's passes during the counted cycles are printed too: a daemon pays them as well, so
they stay in the figure, and a full collection among them would show there (the freeze after the
first poll leaves none to the counted cycles; its own full collection falls in the first poll).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bench.corpus import NOW, PROFILE, statuses
from bench.incremental_index import timed
from bench.pipeline import SETTINGS, CorpusConnector, load_language_models, run_pipeline
from listener.alerts import run_alert_cycle
from listener.collect.sync import POLL_PAGES_PER_TRANSACTION, sync_source
from listener.config.settings import Config
from listener.daemon.heap import freeze_loaded_heap
from listener.index.aggregate import aggregate_profile
from listener.sentiment.score import score_pending
from listener.storage.engine import open_database


def daily_cycle(engine: Any, records: list[dict[str, Any]], config: Config, cycle: int = 1) -> int:
    """One daemon poll's work on new statuses, `cycle` half-hours after the backfill: sync, score, index, alerts."""
    later = NOW + timedelta(minutes=30 * cycle)
    sync_source(engine, PROFILE.name, PROFILE.timezone, SETTINGS, CorpusConnector(iter(records)), clock=lambda: later,
                pages_per_transaction=POLL_PAGES_PER_TRANSACTION)  # as the daemon stores a poll's pages
    scored = score_pending(engine, clock=lambda: later, profiles=config.profiles)
    aggregate_profile(engine, PROFILE, clock=lambda: later)
    run_alert_cycle(engine, config, clock=lambda: later)
    freeze_loaded_heap()  # as the daemon does after a poll's steps (only the first call does anything)
    return scored


@contextmanager
def collector_passes() -> Iterator[Counter[int]]:
    """The cycle collector's passes while the block runs, by generation (2: a full collection)."""
    passes: Counter[int] = Counter()

    def count(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            passes[info["generation"]] += 1

    gc.callbacks.append(count)
    try:
        yield passes
    finally:
        gc.callbacks.remove(count)


def run(size: int, new: int, database: Path, seed: int = 7, cycles: int = 7) -> dict[str, Any]:
    """Backfill `size` statuses (timed), then a first poll and `cycles` daily cycles of `new` more each (each timed)."""
    load_language_models()
    generated = statuses(size + (1 + cycles) * new, seed)
    backfill = list(itertools.islice(generated, size))
    batches = [list(itertools.islice(generated, new)) for _ in range(1 + cycles)]
    engine = open_database(f"sqlite:///{database}")
    full_wall, full_cpu, _ = timed(partial(run_pipeline, engine, backfill))
    del backfill  # a daemon never holds a backfill's records; the collector would walk them in every cycle
    gc.collect()
    engine.dispose()  # the backfill's process ends (its last connection folds the write-ahead log back in)
    engine = open_database(f"sqlite:///{database}")  # and the daemon starts
    config = Config(profiles=[PROFILE])
    walls, cpus = [], []
    passes: Counter[int] = Counter()
    for cycle, batch in enumerate(batches, start=1):
        with collector_passes() as cycle_passes:
            wall, cpu, scored = timed(partial(daily_cycle, engine, batch, config, cycle))
        assert scored == new
        walls.append(wall)
        cpus.append(cpu)
        if cycle > 1:
            passes.update(cycle_passes)
    engine.dispose()
    daily_wall, daily_cpu = statistics.median(walls[1:]), statistics.median(cpus[1:])
    return {"items": size, "new_items": new, "full_seconds": full_wall, "daily_seconds": daily_wall,
            "ratio": daily_wall / full_wall, "full_cpu": full_cpu, "daily_cpu": daily_cpu,
            "cpu_ratio": daily_cpu / full_cpu, "first_cycle_cpu": cpus[0], "cycle_cpus": cpus[1:],
            "collector_passes": [passes[generation] for generation in range(3)]}


def describe(f: dict[str, Any]) -> str:
    """One line with both times and both ratios (the daily figures: the median cycle)."""
    each = ", ".join(f"{cpu:.2f}" for cpu in f["cycle_cpus"])
    return (f"daily path: {f['new_items']:,.0f} new items on {f['items']:,.0f} in {f['daily_seconds']:.2f}s "
            f"(CPU {f['daily_cpu']:.2f}s, median of {len(f['cycle_cpus'])} cycles: {each}; "
            f"first poll after the backfill {f['first_cycle_cpu']:.2f}s, not counted); "
            f"full run {f['full_seconds']:.1f}s (CPU {f['full_cpu']:.1f}s); "
            f"ratio {f['ratio']:.4f} (CPU {f['cpu_ratio']:.4f}); "
            f"collector passes in the counted cycles (young, middle, full): "
            f"{', '.join(str(n) for n in f['collector_passes'])}")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        print(describe(run(args.size, args.new, Path(scratch) / "daily.db", cycles=args.cycles)))


if __name__ == "__main__":
    main()
