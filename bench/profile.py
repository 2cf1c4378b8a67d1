"""cProfile of the pipeline: where `run_pipeline` spends its time on corpus statuses.

    python -m bench.profile [--items 3000] [--all-labelled] [--top 40] [--phases | --floor]

`--all-labelled` gives every status the platform language "en" (the gate never runs), which
shows what our own code costs. Prints the functions by cumulative time; with `--phases`,
no profiler: the CPU seconds of each step and of the peer with our normalisation instead.
`--floor` prints what the pipeline's work costs at the least, beside the steps and the peer: the
same normalisation, language gate and scorer on the texts alone, and raw `sqlite3.executemany`
of every row the pipeline stored into an empty copy of the same schema in one transaction. The
distance between that floor and the steps is what our own Python around SQLite costs.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bench import corpus
from bench.peers import sqlite_utils_script as peer
from bench.pipeline import freeze_corpus, load_language_models, run_pipeline
from listener.storage.engine import open_database
from scoring.language import resolve_language
from scoring.sentiment import default_scorer


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


def stored_rows(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every non-empty table of a finished pipeline's database (alembic's own table left out), rows as stored."""
    with sqlite3.connect(database) as connection:
        names = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'alembic_version'")]
        tables = {name: connection.execute(f'SELECT * FROM "{name}"').fetchall() for name in names}
    return {name: rows for name, rows in tables.items() if rows}


def raw_insert_seconds(tables: dict[str, list[tuple[Any, ...]]], empty_database: Path) -> float:
    """CPU seconds of plain INSERTs of `tables`' rows by `executemany`, one transaction, into a migrated database."""
    connection = sqlite3.connect(empty_database)
    try:
        with connection:  # the migrations may seed rows (the default profile): start from empty tables
            for name in tables:
                connection.execute(f'DELETE FROM "{name}"')
        started = time.process_time()
        with connection:
            for name, rows in tables.items():
                connection.executemany(f'INSERT INTO "{name}" VALUES ({", ".join("?" * len(rows[0]))})', rows)
        return time.process_time() - started
    finally:
        connection.close()


def text_work_seconds(records: list[dict[str, Any]]) -> dict[str, float]:
    """CPU seconds of the normalisation, the language gate and the scorer over the statuses, each on its own."""
    started = time.process_time()
    texts = [peer.normalised_text(record["content"]) for record in records]
    normalised = time.process_time()
    for record, text in zip(records, texts, strict=True):
        resolve_language(record["language"], text)
    gated = time.process_time()
    default_scorer().score_many([(text, record["language"]) for record, text in zip(records, texts, strict=True)])
    scored = time.process_time()
    return {"normalise": normalised - started, "gate": gated - normalised, "scorer with its gate": scored - gated}


def print_floor(scratch: Path, records: list[dict[str, Any]]) -> None:
    """The steps and the peer beside the least the same work costs: text work plus raw inserts of the stored rows."""
    engine = open_database(f"sqlite:///{scratch / 'pipeline.db'}")
    phases: dict[str, float] = {}
    run_pipeline(engine, records, phases=phases)
    engine.dispose()
    started = time.process_time()
    peer.run(scratch / "peer.db", records, peer.normalised_text)
    peer_seconds = time.process_time() - started
    tables = stored_rows(scratch / "pipeline.db")
    open_database(f"sqlite:///{scratch / 'empty.db'}").dispose()
    inserts = raw_insert_seconds(tables, scratch / "empty.db")
    text = text_work_seconds(records)
    rows = sum(len(table) for table in tables.values())
    floor = text["normalise"] + text["scorer with its gate"] + inserts
    print(f"{len(records):,} statuses, CPU seconds")
    print("  steps: " + ", ".join(f"{name} {seconds:.2f}" for name, seconds in phases.items())
          + f"; pipeline {sum(phases.values()):.2f}; peer with our normalisation {peer_seconds:.2f}")
    print("  text work alone: " + ", ".join(f"{name} {seconds:.2f}" for name, seconds in text.items()))
    print(f"  raw executemany of the {rows:,} rows stored ({rows / len(records):.2f} an item, {len(tables)} tables) "
          f"into an empty copy of the schema: {inserts:.2f}")
    print(f"  floor (normalise + scorer with its gate + raw inserts) {floor:.2f} = {peer_seconds / floor:.2f}x "
          f"the peer's speed; pipeline above the floor {sum(phases.values()) - floor:.2f}")
    for name, table in sorted(tables.items(), key=lambda pair: -len(pair[1])):
        print(f"    {name}: {len(table):,} rows")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--all-labelled", action="store_true", help='every status says "en"')
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--phases", action="store_true", help="CPU seconds per step, beside the peer's")
    parser.add_argument("--floor", action="store_true", help="the steps beside the least the same work costs")
    args = parser.parse_args()
    if args.all_labelled:
        corpus.platform_language = lambda serial: "en"  # type: ignore[assignment]
    load_language_models()
    records = list(corpus.statuses(args.items))
    freeze_corpus()
    with tempfile.TemporaryDirectory() as scratch:
        if args.floor:
            print_floor(Path(scratch), records)
            return
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
