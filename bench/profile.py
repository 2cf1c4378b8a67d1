"""cProfile of the pipeline: where `run_pipeline` spends its time on corpus statuses.

    python -m bench.profile [--items 3000] [--all-labelled] [--top 40]

`--all-labelled` gives every status the platform language "en" (the gate never runs), which
shows what our own code costs. Prints the functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
from pathlib import Path

from bench import corpus
from bench.pipeline import load_language_models, run_pipeline
from listener.storage.engine import open_database


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--all-labelled", action="store_true", help='every status says "en"')
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    if args.all_labelled:
        corpus.platform_language = lambda serial: "en"  # type: ignore[assignment]
    load_language_models()
    records = list(corpus.statuses(args.items))
    with tempfile.TemporaryDirectory() as scratch:
        engine = open_database(f"sqlite:///{Path(scratch) / 'profile.db'}")
        profile = cProfile.Profile()
        profile.runcall(run_pipeline, engine, records)
        engine.dispose()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
