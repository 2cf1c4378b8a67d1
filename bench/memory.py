"""Peak memory of a backfill: N corpus statuses through the real sync, store and scoring path.

    python -m bench.memory [--items 1000000]

The backfill runs in a fresh child process (`python -m bench.memory --child ...`) so its
peak resident set size (VmHWM in /proc/self/status) is its own: the
Mastodon connector's normalisation of 40-status pages generated lazily, `sync_source`
(one transaction per page), then `score_pending` over everything. The child also reports
its RSS after imports, before any item, so the growth a backfill causes is visible.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import NOW, PROFILE, statuses

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _rss_mb(field: str = "VmRSS") -> float:
    """This process's resident set size in MB from /proc: now (VmRSS) or at its peak (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def backfill(items: int, database: Path) -> dict[str, float]:
    """Run the backfill in this process; returns its figures (peak RSS in MB)."""
    from bench.pipeline import BACKFILL, SETTINGS, CorpusConnector
    from listener.collect.sync import sync_source
    from listener.sentiment.score import score_pending
    from listener.storage.engine import open_database

    engine = open_database(f"sqlite:///{database}")
    baseline = _rss_mb()
    started = time.perf_counter()
    result = sync_source(engine, PROFILE.name, PROFILE.timezone, SETTINGS, CorpusConnector(statuses(items)),
                         clock=lambda: NOW, limits=BACKFILL)
    scored = score_pending(engine, clock=lambda: NOW)
    engine.dispose()
    # Not getrusage's ru_maxrss: Linux carries it across exec, so a child started by a large
    # parent (python -m bench after the other measurements) reported the parent's size.
    peak = _rss_mb("VmHWM")
    return {"items": result.items, "scored": scored, "seconds": time.perf_counter() - started,
            "baseline_rss_mb": baseline, "peak_rss_mb": peak}


def measure(items: int, scratch: Path | None = None) -> dict[str, float]:
    """Peak RSS of a backfill of `items`, measured in a child process."""
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        command = [sys.executable, "-m", "bench.memory", "--child", "--items", str(items),
                   "--db", str(Path(tmp) / "backfill.db")]
        output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=PROJECT_ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(backfill(args.items, args.db)))
        return
    f = measure(args.items)
    print(f"backfill of {f['items']:,.0f} items (+{f['scored']:,.0f} scored) in {f['seconds']:.1f}s: "
          f"peak RSS {f['peak_rss_mb']:.0f} MB (after imports {f['baseline_rss_mb']:.0f} MB)")


if __name__ == "__main__":
    main()
