"""Smoke test of `python -m bench` at a tiny size: every ratio printed and positive (no timing asserts)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.corpus import statuses
from tests.postgres_server import URL_ENV

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RATIOS = {"pipeline/vader", "pipeline/peer_normalised", "pipeline_2cores/vader", "pipeline_2cores/best_peer",
          "parallel_scoring/vader", "language_ms/0.3",
          "store/raw", "save_items/raw", "incremental/full", "daily_path/full_run_cpu", "export_growth",
          "peak_rss_mb/300",
          "startup_help/httpx", "startup_status/httpx", "startup_index/httpx",
          "startup_pg_status/httpx", "startup_pg_index/httpx"}
RATIO_LINE = re.compile(r"^RATIO (\S+) (\d+\.\d+) \(target (>=|<=) [\d.]+: (met|MISSED)\)$", re.MULTILINE)


def test_bench_prints_every_ratio_positive_at_a_tiny_size(tmp_path: Path, server_url: str) -> None:
    figures_file = tmp_path / "figures.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--size", "500", "--runs", "1", "--json", str(figures_file)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, URL_ENV: server_url})  # start-up on PostgreSQL: the tests' server
    assert done.returncode == 0, done.stderr
    printed = {name: float(value) for name, value, _, _ in RATIO_LINE.findall(done.stdout)}
    assert set(printed) == RATIOS
    assert all(value > 0 for value in printed.values()), printed
    stored = json.loads(figures_file.read_text())["ratios"]
    assert {name: round(entry["value"], 4) for name, entry in stored.items()} == printed


def test_corpus_is_seeded_and_authors_follow_a_power_law() -> None:
    first, again = list(statuses(3000, seed=3)), list(statuses(3000, seed=3))
    assert first == again
    assert first != list(statuses(3000, seed=4))
    inbound = Counter(s["account"]["acct"] for s in first if s["account"]["acct"] != "brand")
    most_active = sum(count for _, count in inbound.most_common(10))
    assert most_active > 0.25 * sum(inbound.values())  # the top 10 of 1,000 people write a quarter
    assert any(s["in_reply_to_id"] for s in first) and any(s["mentions"] for s in first)


def test_floor_inserts_every_row_the_pipeline_stored(tmp_path: Path) -> None:
    from bench.pipeline import run_pipeline
    from bench.profile import raw_insert_seconds, stored_rows
    from listener.storage.engine import open_database

    engine = open_database(f"sqlite:///{tmp_path / 'pipeline.db'}")
    run_pipeline(engine, list(statuses(300, seed=5)))
    engine.dispose()
    tables = stored_rows(tmp_path / "pipeline.db")
    assert len(tables["items"]) == 300 and "alembic_version" not in tables
    open_database(f"sqlite:///{tmp_path / 'empty.db'}").dispose()
    assert raw_insert_seconds(tables, tmp_path / "empty.db") > 0
    assert stored_rows(tmp_path / "empty.db") == tables
