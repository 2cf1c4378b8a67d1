"""Sentiment quality: VADER's human-rated corpora (bare VADER vs our scorer), then labelled corpora per backend.

Run from the project root as `python -m bench.sentiment_quality` or
`python bench/sentiment_quality.py`; `--check` fails if the scorer lowers any raw figure on
VADER's corpora. The second part (skip it with `--rated-only`) scores the labelled corpora of
bench/sentiment_labelled.py with every backend of their language, then the corpora the repository may
not hold (XED, Mozetič, SMILE, SB-10k and others, bench/data/sentiment_multi/README.md) from a folder outside it:
`--extra-dir DIR`, else $ROR_SENTIMENT_CORPORA, else the team's shared corpora folder beside the checkout (files
`<name>_<lang>.tsv` or folders `<name>_<lang>/data.tsv`). Each expected corpus it cannot find is named in a
`missing` line. A corpus with its publisher's train/val/test split is scored on `test` (`--split val`: on `val`);
the complaints-to-brands tweets on their held-out fifth (`--split val`: the four fifths rules were written from).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

if __package__ in (None, ""):  # run as a script: make `scoring` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from scoring.sentiment import score_text

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data" / "sentiment"
DEFAULT_THRESHOLD = 0.05
# Human ratings are on [-4, 4]; compound is on [-1, 1]. Both are classed at +/-0.05 on
# the [-1, 1] scale, so ratings are divided by 4 first (this reproduces the baseline the
# team measured for bare VADER: F1 0.610 / 0.581 / 0.546).
RATING_SCALE = 4.0
CHECK_TOLERANCE = 0.0005
CORPORA: dict[str, str] = {
    "product_reviews": "amazonReviewSnippets_GroundTruth.txt",
    "movie_reviews": "movieReviewSnippets_GroundTruth.txt",
    "editorial_snippets": "nytEditorialSnippets_GroundTruth.txt",
}

Mode = Literal["raw", "scorer"]
Polarity = Literal["positive", "neutral", "negative"]


@dataclass(frozen=True)
class RatedText:
    """One corpus item: its id, the mean human rating in [-4, 4] and the text."""

    id: str
    rating: float
    text: str


@dataclass(frozen=True)
class Quality:
    """How well one mode's compound agrees with the human ratings of one corpus."""

    mode: Mode
    corpus: str
    n: int
    r: float
    f1: float
    lang_misses: int | None = None

    def line(self) -> str:
        """The report line: `<mode> <corpus> n=<items> r=<r> f1=<f1>[ lang_misses=<n>]`."""
        text = f"{self.mode} {self.corpus} n={self.n} r={self.r:.3f} f1={self.f1:.3f}"
        return text if self.lang_misses is None else f"{text} lang_misses={self.lang_misses}"


def load_corpus(path: Path | str) -> list[RatedText]:
    """Read `id<TAB>rating<TAB>text` lines; the text keeps any further tabs."""
    items: list[RatedText] = []
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines, start=1):
        if line.strip():
            items.append(_parse_line(line, f"{path}:{number}"))
    return items


def _parse_line(line: str, where: str) -> RatedText:
    fields = line.split("\t", 2)
    if len(fields) != 3:
        raise ValueError(f"{where}: expected id<TAB>rating<TAB>text, got {line[:60]!r}")
    try:
        rating = float(fields[1])
    except ValueError:
        raise ValueError(f"{where}: rating {fields[1]!r} is not a number") from None
    return RatedText(fields[0], rating, fields[2])


def pearson_r(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson correlation coefficient of two equally long sequences."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("pearson_r needs two sequences of the same length, at least 2")
    mean_x, mean_y = math.fsum(xs) / len(xs), math.fsum(ys) / len(ys)
    dx = [x - mean_x for x in xs]
    dy = [y - mean_y for y in ys]
    spread = math.sqrt(math.fsum(a * a for a in dx) * math.fsum(b * b for b in dy))
    if spread == 0:
        raise ValueError("pearson_r is undefined when a sequence is constant")
    return math.fsum(a * b for a, b in zip(dx, dy, strict=True)) / spread


def polarity_class(value: float, threshold: float = DEFAULT_THRESHOLD) -> Polarity:
    """'positive' at or above +threshold, 'negative' at or below -threshold."""
    if value >= threshold:
        return "positive"
    return "negative" if value <= -threshold else "neutral"


def weighted_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """F1 per true class, averaged with each class weighted by its share of the truth."""
    if len(truth) != len(predicted) or not truth:
        raise ValueError("weighted_f1 needs two non-empty sequences of the same length")
    support = Counter(truth)
    guessed = Counter(predicted)
    hits = Counter(t for t, p in zip(truth, predicted, strict=True) if t == p)
    total = math.fsum(
        support[label] * _f1(hits[label], guessed[label], support[label]) for label in support
    )
    return total / len(truth)


def _f1(hits: int, guessed: int, support: int) -> float:
    """2PR/(P+R) written as 2*hits/(guessed+support); 0 when nothing was hit."""
    return 2 * hits / (guessed + support) if hits else 0.0


def score_raw(texts: Iterable[str]) -> list[float]:
    """Bare VADER compound of each text as is: the baseline."""
    analyzer = SentimentIntensityAnalyzer()
    return [analyzer.polarity_scores(text)["compound"] for text in texts]


def score_pipeline(texts: Iterable[str]) -> list[float]:
    """Our scorer's compound with the language forced to English; unscored counts as 0."""
    compounds = (score_text(text, "en").compound for text in texts)
    return [0.0 if c is None else c for c in compounds]


def count_language_misses(texts: Iterable[str]) -> int:
    """How many texts the scorer, left to detect language, sets aside as non-English."""
    return sum(score_text(text).status == "unsupported_language" for text in texts)


def compute_quality(
    mode: Mode, corpus: str, ratings: Sequence[float], compounds: Sequence[float]
) -> Quality:
    """Pearson r and 3-class weighted F1 of compounds against human ratings."""
    truth = [polarity_class(value / RATING_SCALE) for value in ratings]
    predicted = [polarity_class(value) for value in compounds]
    return Quality(mode, corpus, len(ratings), pearson_r(ratings, compounds),
                   weighted_f1(truth, predicted))


def measure_corpus(name: str, items: Sequence[RatedText], lang_misses: bool) -> list[Quality]:
    """The raw and the scorer figures for one corpus."""
    ratings = [item.rating for item in items]
    texts = [item.text for item in items]
    raw = compute_quality("raw", name, ratings, score_raw(texts))
    scorer = compute_quality("scorer", name, ratings, score_pipeline(texts))
    if lang_misses:
        scorer = replace(scorer, lang_misses=count_language_misses(texts))
    return [raw, scorer]


def run_benchmark(data_dir: Path = DEFAULT_DATA_DIR, lang_misses: bool = True) -> list[Quality]:
    """Both modes on every corpus in `data_dir`, in the order of CORPORA."""
    results: list[Quality] = []
    for name, file_name in CORPORA.items():
        results.extend(measure_corpus(name, load_corpus(data_dir / file_name), lang_misses))
    return results


def find_regressions(results: Iterable[Quality], tolerance: float = CHECK_TOLERANCE) -> list[str]:
    """One message per scorer figure that is below the raw figure by more than tolerance."""
    by_key = {(q.mode, q.corpus): q for q in results}
    problems: list[str] = []
    for (mode, corpus), scorer in by_key.items():
        raw = by_key.get(("raw", corpus))
        if mode != "scorer" or raw is None:
            continue
        for metric in ("r", "f1"):
            ours, base = getattr(scorer, metric), getattr(raw, metric)
            if base - ours > tolerance:
                problems.append(f"{corpus}: scorer {metric}={ours:.4f} is below raw "
                                f"{metric}={base:.4f} by {base - ours:.4f}")
    return problems


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of the benchmark."""
    parser = argparse.ArgumentParser(prog="python -m bench.sentiment_quality",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR,
                        help="folder holding the ground-truth files (default: bundled copy)")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 if any scorer figure is below raw by > {CHECK_TOLERANCE}")
    parser.add_argument("--skip-lang-misses", action="store_true",
                        help="do not run language detection; no lang_misses")
    parser.add_argument("--rated-only", action="store_true",
                        help="only VADER's rated corpora, not the labelled corpora per backend")
    parser.add_argument("--extra-dir", type=Path, default=None,
                        help="folder of the corpora kept outside the repository (<name>_<lang>.tsv or "
                             "<name>_<lang>/data.tsv; default: $ROR_SENTIMENT_CORPORA or the shared folder)")
    parser.add_argument("--split", choices=("test", "val"), default="test",
                        help="which part of a corpus with the publisher's train/val/test split to score "
                             "(val while tuning; default test); for the complaint tweets, val is the four "
                             "fifths rules were written from, test the held-out fifth")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Print one line per corpus and mode; with --check, 1 if the scorer lowers a figure."""
    args = build_parser().parse_args(argv)
    try:
        results = run_benchmark(args.data_dir, lang_misses=not args.skip_lang_misses)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for quality in results:
        print(quality.line())
    if not args.rated_only:
        _print_labelled(args.extra_dir, args.split)
    problems = find_regressions(results) if args.check else []
    for problem in problems:
        print(f"check failed: {problem} (tolerance {CHECK_TOLERANCE})", file=sys.stderr)
    return 1 if problems else 0


def _print_labelled(extra_dir: Path | None, split: Literal["test", "val"] = "test") -> None:
    from bench.sentiment_corpora import external_dir
    from bench.sentiment_labelled import CORPORA as LABELLED
    from bench.sentiment_labelled import extra_corpora, missing_external, run_labelled

    folder = (extra_dir or external_dir()).resolve()
    outside = extra_corpora(folder) if folder.is_dir() else {}
    for quality in run_labelled({**LABELLED, **outside}, split):
        print(quality.line())
    for name in missing_external(outside):
        print(f"missing {name}: no {name}.tsv or {name}/data.tsv in {folder}")

if __name__ == "__main__":
    sys.exit(main())
