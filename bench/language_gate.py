"""Language gate: milliseconds per text for items whose platform gives no language.

    python -m bench.language_gate [--texts 2000] [--runs 3]

Times `scoring.language.resolve_language(None, text)`, whatever that module does today, on
cleaned corpus texts (all three corpora are English), after one warm-up call that loads the
detector's models (its load time and the RSS it adds are reported apart). Also counts the
verdicts, so a faster gate can be checked for the English it still recognises.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from pathlib import Path

from bench.corpus import sample_texts
from scoring.language import resolve_language
from scoring.text import clean_for_sentiment


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def verdicts(texts: list[str]) -> Counter[str]:
    """How many texts the gate calls English, another language, or leaves uncertain."""
    found: Counter[str] = Counter()
    for text in texts:
        code = resolve_language(None, text).code
        found["uncertain" if code is None else "en" if code == "en" else "other"] += 1
    return found


def measure(count: int, runs: int, seed: int = 11) -> dict[str, float]:
    """Median CPU ms per text over `runs`, the load's seconds and MB, and the verdict shares."""
    texts = [clean_for_sentiment(text) for text in sample_texts(count, seed)]
    before, started = _rss_mb(), time.perf_counter()
    resolve_language(None, "the detector loads its models on this first call")
    load_seconds, load_mb = time.perf_counter() - started, _rss_mb() - before
    per_text = []
    for _ in range(runs):
        started = time.process_time()  # CPU seconds: the gate runs in this process; a busy machine stretches wall time
        for text in texts:
            resolve_language(None, text)
        per_text.append((time.process_time() - started) * 1000 / count)
    shares = verdicts(texts)
    return {"texts": count, "ms_per_text": statistics.median(per_text), "load_seconds": load_seconds,
            "load_mb": load_mb, **{f"share_{name}": shares[name] / count for name in ("en", "other", "uncertain")}}


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    f = measure(args.texts, args.runs)
    print(f"language gate: {f['ms_per_text']:.3f} ms/text over {f['texts']:,} English texts; models load in "
          f"{f['load_seconds']:.1f}s and {f['load_mb']:.0f} MB; verdicts en {f['share_en']:.1%}, other "
          f"{f['share_other']:.1%}, uncertain {f['share_uncertain']:.1%}")


if __name__ == "__main__":
    main()
