"""Scoring speed on a mixed-language stream: our scorer with its language gate vs bare vaderSentiment, one run.

`python -m bench.sentiment_speed [--texts N]` builds a seeded stream (about three in four English from
VADER's bundled corpora, the rest Dutch and German from the team's customer-care sets plus Dutch, German,
French and Spanish XED lines when the corpora folder outside the repository has them), gives 60% of the texts their
platform language (in the spellings platforms use: "en", "en-US", "eng", "nl", "deu") and 40% none,
then times both scorers on the same texts, batch by batch in turn; the scorer's rate is its second pass
(models loaded once per process during the first).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bench.sentiment_corpora import external_dir, find_corpus, load_labelled
from bench.sentiment_quality import CORPORA as RATED
from bench.sentiment_quality import DEFAULT_DATA_DIR, load_corpus
from scoring.sentiment import Scorer

CARE = Path(__file__).resolve().parent / "data" / "sentiment_care"
PLATFORM_SPELLINGS = {"en": ("en", "en-US", "eng", "en-GB"), "nl": ("nl", "nld"), "de": ("de", "deu", "de-DE"),
                      "fr": ("fr", "fr-FR"), "es": ("es", "spa")}
WITHOUT_LANGUAGE = 0.4
SEED = 18


def other_languages(folder: Path) -> dict[str, list[str]]:
    """Non-English texts per language: the care sets in the repository, plus XED from `folder` where found."""
    texts = {lang: [i.text for i in load_labelled(CARE / f"care_{lang}.tsv")] for lang in ("nl", "de")}
    for lang in ("nl", "de", "fr", "es"):
        corpus = find_corpus(folder, f"xed_{lang}")
        if corpus is not None:
            texts.setdefault(lang, []).extend(i.text for i in load_labelled(corpus))
    return texts


def mixed_stream(count: int, seed: int = SEED, folder: Path | None = None) -> list[tuple[str, str | None]]:
    """(text, platform language or None) pairs, English about three in four."""
    english = [item.text for name in RATED.values() for item in load_corpus(DEFAULT_DATA_DIR / name)]
    others = other_languages(folder or external_dir())
    rng = random.Random(seed)
    stream: list[tuple[str, str | None]] = []
    for _ in range(count):
        language = "en" if rng.random() < 0.75 else rng.choice(tuple(others))
        text = rng.choice(english if language == "en" else others[language])
        code = None if rng.random() < WITHOUT_LANGUAGE else rng.choice(PLATFORM_SPELLINGS[language])
        stream.append((text, code))
    return stream


def texts_per_second(seconds: float, count: int) -> float:
    """Throughput, guarding against a zero clock difference."""
    return count / max(seconds, 1e-9)


def time_interleaved(stream: Sequence[tuple[str, str | None]], batch: int = 1000) -> tuple[float, float, float]:
    """(bare vaderSentiment texts/s, scorer texts/s, seconds of the scorer's first pass).

    The scorer's first pass loads what is loaded once per process (lexicons, models, detectors; lingua
    loads a language's model the first time a doubtful text needs it). Then both run batch by batch,
    alternating, so a change in machine load during the run hits both alike.
    """
    analyzer, scorer = SentimentIntensityAnalyzer(), Scorer()
    start = time.perf_counter()
    for i in range(0, len(stream), batch):
        scorer.score_many(list(stream[i:i + batch]))
    first = time.perf_counter() - start
    vader_seconds = scorer_seconds = 0.0
    for i in range(0, len(stream), batch):
        chunk = list(stream[i:i + batch])
        start = time.perf_counter()
        for text, _ in chunk:
            analyzer.polarity_scores(text)
        middle = time.perf_counter()
        scorer.score_many(chunk)
        vader_seconds, scorer_seconds = vader_seconds + middle - start, scorer_seconds + time.perf_counter() - middle
    return texts_per_second(vader_seconds, len(stream)), texts_per_second(scorer_seconds, len(stream)), first


def main(argv: Sequence[str] | None = None) -> int:
    """Print both rates and their ratio."""
    parser = argparse.ArgumentParser(prog="python -m bench.sentiment_speed", description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000, help="stream length (default 20,000)")
    parser.add_argument("--extra-dir", type=Path, default=None,
                        help="folder with xed_<lang> corpora (default: $ROR_SENTIMENT_CORPORA or the shared folder)")
    args = parser.parse_args(argv)
    folder = args.extra_dir or external_dir()
    found = sorted(lang for lang in ("nl", "de", "fr", "es") if find_corpus(folder, f"xed_{lang}") is not None)
    print(f"non-English texts: care_nl, care_de, XED {', '.join(found) or 'not found'} (in {folder.resolve()})")
    stream = mixed_stream(args.texts, folder=folder)
    vader, ours, first = time_interleaved(stream)
    without = sum(code is None for _, code in stream) / len(stream)
    print(f"stream: {len(stream)} texts, {without:.0%} without a platform language")
    print(f"bare vaderSentiment: {vader:,.0f} texts/s")
    print(f"scorer with language gate: {ours:,.0f} texts/s (first pass, loading models: {first:.1f} s)")
    print(f"ratio: {ours / vader:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
