"""The index update alone: CPU seconds of `aggregate_profile`, whole and per step, on copies of one database.

    python -m bench.aggregate [--items 20000] [--new 0] [--runs 5]

Syncs and scores `--items` corpus statuses once (as `bench.pipeline` does, untimed). With
`--new 0` each run times the first aggregation of that database (a rebuild: what the
pipeline's aggregate step does); with `--new N` the database is aggregated once and N more
statuses are synced and scored, and each run times the update that follows (the daily
path's aggregation). Each run works on a fresh copy of the file, so runs are alike. Prints
the minimum and median CPU seconds and, for the fastest run, each step's.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.corpus import NOW, PROFILE, statuses
from bench.pipeline import BACKFILL, SETTINGS, CorpusConnector, load_language_models, run_pipeline
from listener.collect.sync import sync_source
from listener.index import aggregate
from listener.sentiment.score import score_pending
from listener.storage.engine import open_database

STEPS = ("refresh_owned", "rebuild_people", "refresh_responses", "refresh_people", "write_series",
         "changes_since_marks")  # a rebuild's responses are written within rebuild_people
LATER = NOW + timedelta(minutes=30)


def prepare(database: Path, items: int, new: int) -> None:
    """Sync and score `items` statuses; with `new`, aggregate them, then sync and score `new` more."""
    load_language_models()
    generated = statuses(items + new)
    engine = open_database(f"sqlite:///{database}")
    if new:
        run_pipeline(engine, list(itertools.islice(generated, items)))
    sync_source(engine, PROFILE.name, PROFILE.timezone, SETTINGS, CorpusConnector(generated),
                clock=lambda: LATER if new else NOW, limits=BACKFILL)
    score_pending(engine, clock=lambda: LATER if new else NOW)
    engine.dispose()


def _timed(step: str, function: Callable[..., Any], seconds: dict[str, float]) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[step] += time.process_time() - started
    return timed


def timed_update(source: Path, scratch: Path, new: int) -> tuple[float, dict[str, float]]:
    """CPU seconds of one `aggregate_profile` on a copy of `source`, and of each step in it."""
    copy = scratch / "run.db"
    shutil.copy(source, copy)
    seconds: dict[str, float] = defaultdict(float)
    originals = {step: getattr(aggregate, step) for step in STEPS}
    groups = dict(aggregate.FACT_GROUPS)
    for step, function in originals.items():
        setattr(aggregate, step, _timed(step, function, seconds))
    for group, function in groups.items():
        aggregate.FACT_GROUPS[group] = _timed(f"facts: {group}", function, seconds)
    engine = open_database(f"sqlite:///{copy}")
    try:
        started = time.process_time()
        aggregate.aggregate_profile(engine, PROFILE, clock=lambda: LATER if new else NOW)
        return time.process_time() - started, dict(seconds)
    finally:
        engine.dispose()
        for step, function in originals.items():
            setattr(aggregate, step, function)
        aggregate.FACT_GROUPS.update(groups)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--new", type=int, default=0, help="time the update after this many more statuses")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        prepare(scratch / "source.db", args.items, args.new)
        runs = [timed_update(scratch / "source.db", scratch, args.new) for _ in range(args.runs)]
    totals = [total for total, _ in runs]
    kind = f"update after {args.new:,} new statuses" if args.new else "first aggregation (rebuild)"
    print(f"{kind} of {args.items:,} statuses, CPU: min {min(totals):.3f}s, median {statistics.median(totals):.3f}s "
          f"over {args.runs} runs")
    fastest = min(runs, key=lambda run: run[0])
    for step, seconds in sorted(fastest[1].items(), key=lambda item: -item[1]):
        print(f"  {step:22s} {seconds:.3f}s ({seconds / fastest[0]:.0%})")


if __name__ == "__main__":
    main()
