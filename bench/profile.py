"""cProfile of the pipeline: where `run_pipeline` spends its time on corpus statuses.

    python -m bench.profile [--items 3000] [--all-labelled] [--top 40] [--phases]

`--all-labelled` gives every status the platform language "en" (the gate never runs), which
shows what our own code costs. Prints the functions by cumulative time; with `--phases`,
no profiler: the CPU seconds of each step and of the peer with our normalisation instead.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bench import corpus
from bench.peers import sqlite_utils_script as peer
from bench.pipeline import load_language_models, run_pipeline
from listener.storage.engine import open_database


def print_phases(engine: Engine, records: list[dict[str, Any]], peer_database: Path) -> None:
    """CPU seconds of sync, score and aggregate, and of the normalised peer on the same statuses."""
    phases: dict[str, float] = {}
    run_pipeline(engine, records, phases=phases)
    started = time.process_time()
    peer.run(peer_database, records, peer.normalised_text)
    peer_seconds = time.process_time() - started
    total = sum(phases.values())
    shares = ", ".join(f"{name} {seconds:.2f}s ({seconds / total:.0%})" for name, seconds in phases.items())
    print(f"{len(records):,} statuses, CPU: {shares}; pipeline {total:.2f}s; peer with our normalisation "
          f"{peer_seconds:.2f}s")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--all-labelled", action="store_true", help='every status says "en"')
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--phases", action="store_true", help="CPU seconds per step, beside the peer's")
    args = parser.parse_args()
    if args.all_labelled:
        corpus.platform_language = lambda serial: "en"  # type: ignore[assignment]
    load_language_models()
    records = list(corpus.statuses(args.items))
    with tempfile.TemporaryDirectory() as scratch:
        engine = open_database(f"sqlite:///{Path(scratch) / 'profile.db'}")
        if args.phases:
            print_phases(engine, records, Path(scratch) / "peer.db")
            return
        profile = cProfile.Profile()
        profile.runcall(run_pipeline, engine, records)
        engine.dispose()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
