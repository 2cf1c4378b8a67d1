"""Every benchmark in one run: `python -m bench [--size 10k|100k|1M] [--runs N]`.

Prints each measurement and a RATIO line per figure with its target. Each timing is the
median of `--runs` runs, except the incremental index at 1M, which runs once because a
full recompute alone takes minutes there; peak memory is measured once (it barely varies).
Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import (
    daily_path,
    export_growth,
    incremental_index,
    language_gate,
    memory,
    pipeline,
    startup,
    store_throughput,
)
from bench.corpus import parse_size

LANGUAGE_TEXTS = 2000
PIPELINE_ITEMS = 20_000  # a rate: a 20k-item sample gives the same figure as the whole corpus
STORE_ROWS = 100_000
NEW_ITEMS = 1000
EXPENSIVE_AT = 1_000_000  # from here on, database-sized measurements run once


@dataclass(frozen=True)
class Ratio:
    """One reported figure, its target and which side of it is good."""

    name: str
    value: float
    target: float
    at_least: bool

    @property
    def met(self) -> bool:
        """Whether the figure meets its target."""
        return self.value >= self.target if self.at_least else self.value <= self.target

    def line(self) -> str:
        """`RATIO name value (target >= x: met)`."""
        sign = ">=" if self.at_least else "<="
        return f"RATIO {self.name} {self.value:.4f} (target {sign} {self.target}: {'met' if self.met else 'MISSED'})"


def _say(text: str) -> None:
    print(text, flush=True)


def _pipeline(size: int, runs: int) -> tuple[dict[str, Any], list[Ratio]]:
    f = pipeline.measure(min(size, PIPELINE_ITEMS), runs)
    _say(f"pipeline: {f['items']:,} items; bare VADER {f['vader_texts_per_s']:,.0f} texts/s; scoring.vader "
         f"{f['exact_vader_texts_per_s']:,.0f} texts/s; sync+score+index "
         f"{f['pipeline_items_per_s']:,.0f} items/s, scoring in {f['workers']} worker processes alongside the sync "
         f"{f['pipeline_pool_items_per_s']:,.0f} items/s wall ({f['pool_speedup']:.2f}x the one-core run's "
         f"{f['pipeline_wall_items_per_s']:,.0f} wall); peer script {f['peer_items_per_s']:,.0f} items/s "
         f"({f['peer_ratio']:.3f} of VADER), with our normalisation {f['peer_normalised_items_per_s']:,.0f} items/s "
         f"({f['peer_normalised_ratio']:.3f}); score_text on {f['workers']} processes "
         f"{f['parallel_texts_per_s']:,.0f} texts/s; pipeline/scoring.vader {f['pipeline_exact_ratio']:.3f}")
    return f, [Ratio("pipeline/vader", f["pipeline_ratio"], 0.8, True),
               Ratio("pipeline/peer_normalised", f["pipeline_peer_ratio"], 1.0, True),
               Ratio("pipeline_2cores/vader", f["pipeline_pool_ratio"], 1.0, True),
               Ratio("pipeline_2cores/best_peer", f["pipeline_pool_peer_ratio"], 1.0, True),
               Ratio("parallel_scoring/vader", f["parallel_ratio"], 1.5, True)]


def _language(size: int, runs: int) -> tuple[dict[str, Any], list[Ratio]]:
    f = language_gate.measure(min(size // 10, LANGUAGE_TEXTS), runs)
    _say(f"language gate: {f['ms_per_text']:.3f} ms/text over {f['texts']:,} English texts; models load in "
         f"{f['load_seconds']:.1f}s and {f['load_mb']:.0f} MB; verdicts en {f['share_en']:.1%}, other "
         f"{f['share_other']:.1%}, uncertain {f['share_uncertain']:.1%}")
    return f, [Ratio("language_ms/0.3", f["ms_per_text"] / 0.3, 1.0, False)]


def _store(size: int, runs: int) -> tuple[dict[str, Any], list[Ratio]]:
    f = store_throughput.measure(min(size, STORE_ROWS), runs=runs)
    _say(f"store (CPU seconds): {f['rows']:,} rows; raw executemany into the real items table "
         f"{f['raw_same_schema_rows_per_s']:,.0f} rows/s (into a one-index table {f['raw_rows_per_s']:,.0f}: "
         f"upsert_rows {f['upsert_ratio']:.3f} of it); upsert_rows {f['upsert_rows_per_s']:,.0f} rows/s; "
         f"save_items {f['save_items_per_s']:,.0f} items/s")
    return f, [Ratio("store/raw", f["upsert_same_schema_ratio"], 0.6, True),
               Ratio("save_items/raw", f["save_items_same_schema_ratio"], 0.5, True)]


def _incremental(size: int, runs: int) -> tuple[dict[str, Any], list[Ratio]]:
    new = min(NEW_ITEMS, max(1, size // 10))
    results = []
    for _ in range(1 if size >= EXPENSIVE_AT else runs):
        with tempfile.TemporaryDirectory() as scratch:
            results.append(incremental_index.run(size, new, 7, Path(scratch) / "bench.db"))
    f = {key: statistics.median(r[key] for r in results) for key in results[0]}
    _say(f"incremental: {size:,} items (build {f['build_seconds']:.1f}s); full recompute {f['full_seconds']:.2f}s; "
         f"update after {new:,} new items {f['incremental_seconds']:.3f}s")
    return f, [Ratio("incremental/full", f["ratio"], 0.02, False)]


def _daily(size: int, runs: int) -> tuple[dict[str, Any], list[Ratio]]:
    with tempfile.TemporaryDirectory() as scratch:  # once: the full run is a whole backfill
        f = daily_path.run(size, min(NEW_ITEMS, max(1, size // 10)), Path(scratch) / "daily.db")
    _say(daily_path.describe(f))
    return f, [Ratio("daily_path/full_run_cpu", f["cpu_ratio"], 0.02, False)]


def _export(size: int, runs: int) -> tuple[dict[str, Any], list[Ratio]]:
    f = export_growth.measure(size, max(1, size // 10), runs)
    _say(f"export: weekly export on {f['large']:,} items {f['large_seconds']:.3f}s, on {f['small']:,} items "
         f"{f['small_seconds']:.3f}s (week items {f['large_week_items']:,} / {f['small_week_items']:,})")
    return f, [Ratio("export_growth", f["ratio"], 1.5, False)]


def _memory(size: int, runs: int) -> tuple[dict[str, Any], list[Ratio]]:
    f = memory.measure(size)  # once: peak RSS barely varies between runs, and a backfill is slow
    _say(f"memory: backfill of {f['items']:,.0f} items (sync + score) in {f['seconds']:.1f}s; peak RSS "
         f"{f['peak_rss_mb']:.0f} MB (after imports {f['baseline_rss_mb']:.0f} MB)")
    return f, [Ratio("peak_rss_mb/300", f["peak_rss_mb"] / 300, 1.0, False)]


def _startup(size: int, runs: int) -> tuple[dict[str, Any], list[Ratio]]:
    from tests.postgres_server import URL_ENV, find_bindir

    on_postgres = bool(os.environ.get(URL_ENV)) or find_bindir() is not None  # the tests' server, when there is one
    f = startup.measure(max(runs, 3), on_postgres=on_postgres)
    _say(startup.describe(f))
    return f, [Ratio(f"startup_{name}/httpx", f[f"{name}_ratio"], 3.0, False)
               for name in [*startup.COMMANDS, *startup.ON_POSTGRES] if f"{name}_ratio" in f]


MEASUREMENTS: dict[str, Callable[[int, int], tuple[dict[str, Any], list[Ratio]]]] = {
    "pipeline": _pipeline, "language": _language, "store": _store, "incremental": _incremental, "daily": _daily,
    "export": _export, "memory": _memory, "startup": _startup,
}


def run_all(size: int, runs: int, only: list[str] | None = None) -> tuple[dict[str, Any], list[Ratio]]:
    """Run the chosen measurements (all by default), printing as they finish."""
    figures: dict[str, Any] = {"size": size, "runs": runs}
    ratios: list[Ratio] = []
    for name, measure in MEASUREMENTS.items():
        if only and name not in only:
            continue
        started = time.perf_counter()
        figures[name], found = measure(size, runs)
        figures[name]["wall_seconds"] = time.perf_counter() - started
        ratios += found
        for ratio in found:
            _say(ratio.line())
    return figures, ratios


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; the exit code is 0 even when a target is missed (it is a report)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=parse_size, default=parse_size("10k"), help="10k, 100k or 1M (default 10k)")
    parser.add_argument("--runs", type=int, default=3, help="median of this many runs (default 3)")
    parser.add_argument("--only", nargs="*", choices=list(MEASUREMENTS), help="run only these measurements")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    figures, ratios = run_all(args.size, args.runs, args.only)
    figures["ratios"] = {r.name: {"value": r.value, "target": r.target, "met": r.met} for r in ratios}
    _say(f"done in {time.perf_counter() - started:.0f}s: {sum(r.met for r in ratios)}/{len(ratios)} targets met")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
