"""Pipeline vs the sentiment ceiling: normalise + upsert + score + aggregate against a bare VADER loop.

    python -m bench.pipeline [--items 20000] [--runs 3]

The pipeline feeds Mastodon-shaped statuses (`bench.corpus`) through the real path: the
Mastodon connector's normalisation, `sync_source` (one transaction per 40-item page),
`score_pending` and the incremental index update, into a fresh SQLite file. Its items/s is
divided by the texts/s of a bare `SentimentIntensityAnalyzer.polarity_scores` loop over the
same texts, measured in the same run, and also by the texts/s of `scoring.vader` (the same
numbers as the library from a faster loop, which is what the pipeline runs). A second figure spreads `score_text` over worker
processes (one per core) and divides its texts/s by the single-core VADER rate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bench.corpus import BRAND_ACCOUNT, NOW, PAGE_SIZE, PROFILE, statuses
from connectors.base import Connector, Page, Stream, SyncContext
from connectors.html_text import html_to_text
from connectors.mastodon.connector import MastodonApi, MastodonSettings
from listener.collect.sync import sync_source
from listener.index.aggregate import aggregate_profile
from listener.sentiment.score import score_pending
from listener.storage.engine import open_database
from scoring.sentiment import score_clean_text, score_text
from scoring.vader import polarity_scores

SETTINGS = MastodonSettings(name="bench", platform="mastodon", base_url="https://m.example", account="brand")
CHUNK = 2000


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
        while batch := [record for _, record in zip(range(self.page_size), self.records)]:
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


def run_pipeline(engine: Engine, records: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Sync, score and aggregate `records` into the database; returns the counts."""
    result = sync_source(engine, PROFILE.name, PROFILE.timezone, SETTINGS, CorpusConnector(iter(records)),
                         clock=lambda: NOW)
    scored = score_pending(engine, clock=lambda: NOW)
    points = aggregate_profile(engine, PROFILE, clock=lambda: NOW)
    return {"items": result.items, "scored": scored, "points": points}


def timed_pipeline(database: Path, records: Sequence[dict[str, Any]]) -> float:
    """Items/s of the pipeline into a fresh, migrated database (migrations are not timed)."""
    engine = open_database(f"sqlite:///{database}")
    try:
        started = time.perf_counter()
        counts = run_pipeline(engine, records)
        return counts["items"] / (time.perf_counter() - started)
    finally:
        engine.dispose()


def vader_loop(texts: Sequence[str]) -> float:
    """Seconds a bare vaderSentiment loop takes over `texts` (the analyzer is loaded before timing)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return _loop(SentimentIntensityAnalyzer().polarity_scores, texts)


def exact_vader_loop(texts: Sequence[str]) -> float:
    """Seconds `scoring.vader.polarity_scores` (same numbers, faster loop) takes over `texts`."""
    polarity_scores("warm up")
    return _loop(polarity_scores, texts)


def _loop(score: Any, texts: Sequence[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        score(text)
    return time.perf_counter() - started


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
    pipeline, vader, exact, parallel = [], [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(runs):
            vader.append(items / vader_loop(texts))
            exact.append(items / exact_vader_loop(texts))
            pipeline.append(timed_pipeline(Path(scratch) / f"pipeline{run}.db", records))
            parallel.append(items / parallel_scoring(texts, workers))
    figures = {"items": items, "workers": workers, "vader_texts_per_s": statistics.median(vader),
               "pipeline_items_per_s": statistics.median(pipeline),
               "parallel_texts_per_s": statistics.median(parallel),
               "exact_vader_texts_per_s": statistics.median(exact)}
    figures["pipeline_ratio"] = figures["pipeline_items_per_s"] / figures["vader_texts_per_s"]
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
          f"ratio {f['pipeline_ratio']:.2f}; scoring on {f['workers']} processes "
          f"{f['parallel_texts_per_s']:,.0f} texts/s ratio {f['parallel_ratio']:.2f}")


if __name__ == "__main__":
    main()
