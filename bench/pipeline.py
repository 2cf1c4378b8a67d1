"""Pipeline vs the sentiment ceiling: normalise + upsert + score + aggregate against a bare VADER loop.

    python -m bench.pipeline [--items 20000] [--runs 3]

The pipeline feeds Mastodon-shaped statuses (`bench.corpus`) through the real path: the
Mastodon connector's normalisation, `sync_source` (ten 40-item pages per transaction, as `ror sync` stores them),
`score_pending` and the incremental index update, into a fresh SQLite file. Its items/s is
divided by the texts/s of a bare `SentimentIntensityAnalyzer.polarity_scores` loop over the
same texts, measured in the same run, and also by the texts/s of `scoring.vader` (the same
numbers as the library from a faster loop, which is what the pipeline runs). A second figure spreads
`score_text` over worker processes (one per core) and divides its texts/s by the single-core VADER rate.

The peers (`bench.peers`) run in the same loop on the same statuses: the 50-line sqlite-utils
script a user would write instead, plain and with our text normalisation, both with the same
language gate (two corpus items in five carry no platform language).

Clocks: everything that runs in this one process is timed in its CPU seconds, which a machine
shared with other work disturbs far less than the wall clock; what runs in worker processes (the
pipeline scoring in a pool, `score_text` spread over processes) can only be timed on the wall
clock, so under load those figures come out low, never high.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bench.corpus import BRAND_ACCOUNT, NOW, PAGE_SIZE, PROFILE, sample_texts, statuses
from bench.peers import sqlite_utils_script as peer
from connectors.base import Connector, Page, Stream, SyncContext
from connectors.html_text import html_to_text
from connectors.limits import SyncLimits
from connectors.mastodon.connector import MastodonApi, MastodonSettings
from listener.collect.sync import BACKFILL_PAGES_PER_TRANSACTION, sync_source
from listener.index.aggregate import aggregate_profile
from listener.sentiment.score import DEFAULT_BATCH, PoolFeed, score_pending
from listener.storage.engine import open_database
from scoring.language import resolve_language, settle_with_lingua
from scoring.sentiment import default_scorer, score_clean_text, score_text
from scoring.text import clean_for_sentiment
from scoring.vader import polarity_scores

# A backfill runs to the end of the corpus: no page cap (500 pages of 40 would stop it at 20,000 items), no deadline
BACKFILL = SyncLimits(max_pages_per_stream=10**9, deadline_seconds=float(10**9))
SETTINGS = MastodonSettings(name="bench", platform="mastodon", base_url="https://m.example", account="brand")
CHUNK = 2000
RATES = ("vader_texts_per_s", "exact_vader_texts_per_s", "pipeline_items_per_s", "pipeline_wall_items_per_s",
         "pipeline_pool_items_per_s",
         "peer_items_per_s", "peer_normalised_items_per_s", "parallel_texts_per_s")


class BrandOnlySession:
    """Stands in for the HTTP session: the only call normalisation makes is the brand lookup."""

    def get_json(self, url: str, params: Any = None, headers: Any = None) -> tuple[Any, None]:
        """The brand's Account, whatever is asked."""
        return BRAND_ACCOUNT, None


class CorpusStream(Stream):
    """Pages of corpus statuses, normalised by the Mastodon connector as a live sync would."""

    name = "corpus"

    def __init__(self, records: Iterator[dict[str, Any]], page_size: int = PAGE_SIZE) -> None:
        self.records, self.page_size = records, page_size
        self.api = MastodonApi(SETTINGS, BrandOnlySession())  # type: ignore[arg-type]

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        """40 statuses a page, each page's cursor the newest id in it."""
        while batch := [record for _, record in zip(range(self.page_size), self.records, strict=False)]:
            page = self.api.page_of_statuses(batch)
            page.cursor = batch[-1]["id"]
            yield page


class CorpusConnector(Connector):
    """A Mastodon source whose only stream replays the corpus."""

    platform = "mastodon"

    def __init__(self, records: Iterator[dict[str, Any]]) -> None:
        self.stream = CorpusStream(records)

    def streams(self) -> list[Stream]:
        """The one corpus stream."""
        return [self.stream]


WARM_UP_TEXTS = 500  # corpus texts (another seed) that take the gate down every path it has


def load_language_models() -> None:
    """Load every detector the gate may ask (py3langid, lingua's models) before any clock starts.

    lingua loads every model on its first call (3-5 s), py3langid its model on the first text that reaches
    it (0.5 s; a sentence the function words settle never does): the gate runs over corpus texts of another
    seed, whatever it does at the time. Forked workers inherit the models from this process.
    """
    settle_with_lingua("and lingua loads its models before any clock starts as well")
    for text in sample_texts(WARM_UP_TEXTS, seed=1):
        resolve_language(None, clean_for_sentiment(text))


def freeze_corpus() -> None:
    """Exempt the corpus and everything loaded so far from the cycle collector, before any clock starts.

    20,000 pre-built statuses are 40,000 objects the collector tracks (the modules and language models
    another 110,000); a full collection inside a timed step walks them all (0.05-0.1 s, in whichever of
    the pipeline and the peer allocates past the threshold first). The daemon freezes its loaded heap
    the same way after its first poll (`listener.daemon.heap`). Called once the corpus is built, so the
    pipeline and the peers are timed alike.
    """
    gc.collect()
    gc.freeze()


def run_pipeline(engine: Engine, records: Iterable[dict[str, Any]], pool: Executor | None = None,
                 pool_batch: int = DEFAULT_BATCH, phases: dict[str, float] | None = None) -> dict[str, int]:
    """Sync, score (in `pool`'s workers if given, alongside the sync) and aggregate `records`; returns the counts.

    `phases`, if given, receives the CPU seconds of this process in each step (sync, score, aggregate).
    """
    laps = [time.process_time()]
    if pool is None:
        result = sync_source(engine, PROFILE.name, PROFILE.timezone, SETTINGS, CorpusConnector(iter(records)),
                             clock=lambda: NOW, limits=BACKFILL, pages_per_transaction=BACKFILL_PAGES_PER_TRANSACTION)
        laps.append(time.process_time())
        scored = score_pending(engine, clock=lambda: NOW)
    else:  # two cores: the workers score each 1,000 stored items while the sync stores the next pages
        feed = PoolFeed(engine, pool, default_scorer(), clock=lambda: NOW, batch=pool_batch)
        result = sync_source(engine, PROFILE.name, PROFILE.timezone, SETTINGS, CorpusConnector(iter(records)),
                             clock=lambda: NOW, on_page=lambda _stream, page: feed.feed(len(page.items)),
                             limits=BACKFILL, pages_per_transaction=BACKFILL_PAGES_PER_TRANSACTION)
        laps.append(time.process_time())
        scored = feed.finish()
    laps.append(time.process_time())
    points = aggregate_profile(engine, PROFILE, clock=lambda: NOW)
    laps.append(time.process_time())
    if phases is not None:
        phases.update(zip(("sync", "score", "aggregate"), (b - a for a, b in itertools.pairwise(laps)), strict=True))
    return {"items": result.items, "scored": scored, "points": points}


def timed_pipeline(database: Path, records: Sequence[dict[str, Any]],
                   pool: Executor | None = None) -> tuple[float, float]:
    """Items/s of the pipeline into a fresh, migrated database in CPU and wall seconds (migrations not timed).

    With a pool only the wall figure means anything: the workers' CPU is not this process's.
    """
    engine = open_database(f"sqlite:///{database}")
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        counts = run_pipeline(engine, records, pool)
        return counts["items"] / (time.process_time() - cpu), counts["items"] / (time.perf_counter() - wall)
    finally:
        engine.dispose()


def timed_peer(database: Path, records: Sequence[dict[str, Any]], text: Any) -> float:
    """Items/s of the sqlite-utils peer script into a fresh database with the given text clean-up."""
    started = time.process_time()
    peer.run(database, records, text)
    return len(records) / (time.process_time() - started)


def vader_loop(texts: Sequence[str]) -> float:
    """Seconds a bare vaderSentiment loop takes over `texts` (the analyzer is loaded before timing)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return _loop(SentimentIntensityAnalyzer().polarity_scores, texts)


def exact_vader_loop(texts: Sequence[str]) -> float:
    """Seconds `scoring.vader.polarity_scores` (same numbers, faster loop) takes over `texts`."""
    polarity_scores("warm up")
    return _loop(polarity_scores, texts)


def _loop(score: Any, texts: Sequence[str]) -> float:
    started = time.process_time()
    for text in texts:
        score(text)
    return time.process_time() - started


def _score_chunk(texts: Sequence[str]) -> int:
    return sum(score_text(text, "en").status == "scored" for text in texts)


def _warm() -> None:
    score_clean_text("warm up")


def parallel_scoring(texts: Sequence[str], workers: int) -> float:
    """Seconds `score_text` takes over `texts` spread across `workers` warm processes."""
    chunks = [texts[i : i + CHUNK] for i in range(0, len(texts), CHUNK)]
    with ProcessPoolExecutor(workers, initializer=_warm) as pool:
        list(pool.map(_score_chunk, [["warm"]] * workers))
        started = time.perf_counter()
        scored = sum(pool.map(_score_chunk, chunks))
        elapsed = time.perf_counter() - started
    assert scored > 0
    return elapsed


def measure(items: int, runs: int, seed: int = 7) -> dict[str, float]:
    """Medians over `runs` of pipeline items/s, VADER texts/s, parallel texts/s and the ratios."""
    records = list(statuses(items, seed))
    texts = [html_to_text(record["content"]) for record in records]
    workers = os.cpu_count() or 1
    load_language_models()
    freeze_corpus()
    rates: dict[str, list[float]] = {name: [] for name in RATES}
    fork = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory() as scratch, ProcessPoolExecutor(workers, mp_context=fork) as pool:
        list(pool.map(_score_chunk, [["warm"]] * workers))
        for run in range(runs):
            rates["vader_texts_per_s"].append(items / vader_loop(texts))
            rates["exact_vader_texts_per_s"].append(items / exact_vader_loop(texts))
            cpu, wall = timed_pipeline(Path(scratch) / f"pipeline{run}.db", records)
            rates["pipeline_items_per_s"].append(cpu)
            rates["pipeline_wall_items_per_s"].append(wall)
            rates["pipeline_pool_items_per_s"].append(
                timed_pipeline(Path(scratch) / f"pipeline_pool{run}.db", records, pool)[1])
            rates["peer_items_per_s"].append(timed_peer(Path(scratch) / f"peer{run}.db", records, peer.plain_text))
            rates["peer_normalised_items_per_s"].append(
                timed_peer(Path(scratch) / f"peer_normalised{run}.db", records, peer.normalised_text))
            rates["parallel_texts_per_s"].append(items / parallel_scoring(texts, workers))
    figures: dict[str, float] = {"items": items, "workers": workers}
    figures |= {name: statistics.median(values) for name, values in rates.items()}
    figures["pipeline_ratio"] = figures["pipeline_items_per_s"] / figures["vader_texts_per_s"]
    figures["peer_ratio"] = figures["peer_items_per_s"] / figures["vader_texts_per_s"]
    figures["peer_normalised_ratio"] = figures["peer_normalised_items_per_s"] / figures["vader_texts_per_s"]
    figures["pipeline_peer_ratio"] = figures["pipeline_items_per_s"] / figures["peer_normalised_items_per_s"]
    figures["pipeline_pool_ratio"] = figures["pipeline_pool_items_per_s"] / figures["vader_texts_per_s"]
    best_peer = max(figures["peer_items_per_s"], figures["peer_normalised_items_per_s"])
    figures["pipeline_pool_peer_ratio"] = figures["pipeline_pool_items_per_s"] / best_peer
    # the same pipeline on one core and alongside the pool, both on the wall clock in the same run
    figures["pool_speedup"] = figures["pipeline_pool_items_per_s"] / figures["pipeline_wall_items_per_s"]
    figures["parallel_ratio"] = figures["parallel_texts_per_s"] / figures["vader_texts_per_s"]
    figures["exact_vader_ratio"] = figures["exact_vader_texts_per_s"] / figures["vader_texts_per_s"]
    figures["pipeline_exact_ratio"] = figures["pipeline_items_per_s"] / figures["exact_vader_texts_per_s"]
    return figures


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    f = measure(args.items, args.runs)
    print(f"bare VADER {f['vader_texts_per_s']:,.0f} texts/s; scoring.vader {f['exact_vader_texts_per_s']:,.0f} "
          f"texts/s; pipeline {f['pipeline_items_per_s']:,.0f} items/s "
          f"ratio {f['pipeline_ratio']:.2f}; scoring in {f['workers']} workers "
          f"{f['pipeline_pool_items_per_s']:,.0f} items/s wall ratio {f['pipeline_pool_ratio']:.2f} "
          f"({f['pool_speedup']:.2f}x the one-core pipeline's {f['pipeline_wall_items_per_s']:,.0f} wall); "
          f"peer {f['peer_items_per_s']:,.0f} items/s, with our normalisation "
          f"{f['peer_normalised_items_per_s']:,.0f} items/s; pipeline/peer {f['pipeline_peer_ratio']:.2f}; "
          f"scoring on {f['workers']} processes "
          f"{f['parallel_texts_per_s']:,.0f} texts/s ratio {f['parallel_ratio']:.2f}")


if __name__ == "__main__":
    main()
