"""Train the German three-way (negative / neutral / positive) model on human-labelled tweets (run by a maintainer).

`python -m bench.sentiment_train_tweets` reads, from `--corpora` (by default the folder named by
ROR_SENTIMENT_CORPORA; the corpora are kept outside the repository), the `train` and `val` parts of the full SB-10k
German tweets (`sb10kfull_de`, CGSA's split) and of the PotTS German tweets (`potts_de`), their labels balanced;
every tweet whose text is also in the `test` part of `sb10k_de` (UMSAB's balanced subset of the same SB-10k
tweets, with another split) is left out, so the quality bench's SB-10k figures stay unseen. Ids `train-N` /
`val-N` / `test-N` keep the publishers' splits. It adds the training part (4 in 5 texts, by a hash of the id) of
XED's German subtitles (`xed_de`, two classes, its labels balanced, weighted EXTRA_WEIGHT) so the model also knows
plain speech. The settings below were chosen on the `val` parts of sb10k_de, sb10kfull_de and potts_de with a model
fitted without them (`--without-val`, which also leaves sb10k_de's val tweets out); the shipped model is then fitted
on train + val with the same settings, and `test` is what the quality bench reports. It fits a multinomial
logistic model over the lexicon backend's features of each cleaned text (words, adjacent word pairs, the lexicon's
findings) and its marks (emoticons, an addressee, words in a negation's scope), then moves both polar intercepts
down by NEUTRAL_SHIFT: the labels were balanced, but most tweets are neutral. It writes
scoring/backends/data/model_de.json. Deterministic: the same inputs give the same file.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.sentiment_corpora import (
    CORPORA_ENV,
    LabelledText,
    external_dir,
    find_corpus,
    load_labelled,
    published_split,
    split_of,
)
from bench.sentiment_train import DATA_OUT, feature_names, model_file_text
from scoring.backends.lexicon import rule_lexicon
from scoring.backends.linear import ThreeWayModel, marked_features, top_weights
from scoring.text import clean_for_sentiment

MODEL_VERSION = "tweets-lr-5"
CORPORA = {"de": ("sb10kfull_de", "potts_de")}  # language -> its corpora of three-class tweets (train + val)
HELD_BACK = {"de": "sb10k_de"}  # the same tweets split otherwise: its test (and, choosing settings, val) tweets unseen
CLASSES = ("negative", "neutral", "positive")  # neutral (index 1) is the reference class of the shipped model
KEEP_WEIGHTS = 15000  # per class
L2, STEPS, RATE, MOMENTUM = 3.0, 1000, 1.0, 0.9  # gradient descent with heavy-ball momentum, run to convergence
NEUTRAL_SHIFT = 0.1  # subtracted from both polar intercepts: balanced labels would make neutral too rare
TRAIN_PARTS, TUNING_PARTS = ("train", "val"), ("train",)  # what the shipped model / a model for choosing settings sees
EXTRA = {"de": "xed_de"}  # two-class subtitles (training part by id hash), so the model also knows plain speech
EXTRA_WEIGHT = 0.6  # per extra text on average, its labels balanced (XED is mostly negative)
SparseRows = tuple[np.ndarray, np.ndarray, np.ndarray]  # (text, feature, value) of each non-zero cell


def sparse_matrix(rows: list[dict[str, float]]) -> tuple[list[str], SparseRows]:
    """The feature names `feature_names` keeps and the texts-by-features matrix over them as (row, column, value)
    arrays of its non-zero cells (a text has a few dozen of the many thousand features)."""
    names = feature_names(rows)
    column = {n: i for i, n in enumerate(names)}
    cells = [(r, column[name], value) for r, features in enumerate(rows)
             for name, value in features.items() if name in column]
    text, feature, value = zip(*cells, strict=True) if cells else ((), (), ())
    return names, (np.array(text, dtype=np.int64), np.array(feature, dtype=np.int64), np.array(value))


def fit_multinomial(rows: list[dict[str, float]], labels: list[int],
                    sample_weights: list[float]) -> tuple[list[dict[str, float]], list[float]]:
    """L2 multinomial logistic regression by full-batch gradient descent with momentum (each text's error times
    its sample weight) over `sparse_matrix`; per class (weights, intercept)."""
    names, (text, feature, value) = sparse_matrix(rows)
    n, k = len(rows), len(CLASSES)
    truth, share = np.eye(k)[np.array(labels)], np.array(sample_weights)
    w, b = np.zeros((len(names), k)), np.zeros(k)
    step_w, step_b = np.zeros_like(w), np.zeros_like(b)
    for _ in range(STEPS):
        z = np.stack([np.bincount(text, value * w[feature, c], n) for c in range(k)], axis=1) + b
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        error = (p - truth) * share[:, None]
        gradient = np.stack([np.bincount(feature, value * error[text, c], len(names)) for c in range(k)], axis=1)
        step_w = MOMENTUM * step_w - RATE * (gradient / n + L2 * w / n)
        step_b = MOMENTUM * step_b - RATE * error.mean(axis=0)
        w += step_w
        b += step_b
    return [dict(zip(names, map(float, w[:, c]), strict=True)) for c in range(k)], [float(v) for v in b]


def train(language: str, texts: list[LabelledText], extra: Sequence[LabelledText] = ()) -> ThreeWayModel:
    """The three-way model of `language` (labels balanced within `texts` and within `extra`, whose texts count
    EXTRA_WEIGHT each on average), with neutral's weights subtracted so its logit is 0 and NEUTRAL_SHIFT taken
    off the polar intercepts."""
    rules = rule_lexicon(language)
    every = [*texts, *extra]
    cleaned = [clean_for_sentiment(item.text) for item in every]
    rows = [marked_features(text, rules.score(text), language) for text in cleaned]
    weights, intercepts = fit_multinomial(rows, [CLASSES.index(item.label) for item in every],
                                          balanced(texts, 1.0) + balanced(extra, EXTRA_WEIGHT))
    neutral = weights[1]
    relative = [{name: value - neutral[name] for name, value in weights[k].items()} for k in (0, 2)]
    return ThreeWayModel(language, MODEL_VERSION, top_weights(relative[0], KEEP_WEIGHTS),
                         top_weights(relative[1], KEEP_WEIGHTS),
                         (round(intercepts[0] - intercepts[1] - NEUTRAL_SHIFT, 4),
                          round(intercepts[2] - intercepts[1] - NEUTRAL_SHIFT, 4)), reads_marks=True)


def balanced(texts: Sequence[LabelledText], weight: float) -> list[float]:
    """Sample weights that give each label of `texts` the same total, `weight` per text on average."""
    counts = {label: sum(item.label == label for item in texts) for label in {item.label for item in texts}}
    return [weight * len(texts) / (len(counts) * counts[item.label]) for item in texts]


def tweet_key(text: str) -> str:
    """A tweet's text reduced to what two copies of it share (case, user names, links and spacing vary)."""
    text = re.sub(r"https?://\S+", "", re.sub(r"@\w+", "@user", text.lower()))
    return re.sub(r"\W", "", text)


def corpus_path(corpora: Path, name: str) -> Path:
    """`<name>.tsv` or `<name>/data.tsv` in `corpora`; a missing one is a one-line error."""
    path = find_corpus(corpora, name)
    if path is None:
        raise FileNotFoundError(f"no {name}.tsv or {name}/data.tsv in {corpora}")
    return path


def training_texts(corpora: Path, names: Sequence[str], held_back: str, extra: str,
                   parts: Sequence[str] = TRAIN_PARTS) -> tuple[list[LabelledText], list[LabelledText]]:
    """The `parts` of the `names` corpora (their ids name the publisher's split) without the texts of `held_back`'s
    other parts (val and test, or test alone when val is trained on), and the training part of `extra`."""
    unseen = {tweet_key(item.text) for item in load_labelled(corpus_path(corpora, held_back))
              if published_split(item.id) not in (*parts, None)}
    texts: list[LabelledText] = []
    for name in names:
        path = corpus_path(corpora, name)
        part = [item for item in load_labelled(path) if published_split(item.id) in parts]
        if not any(published_split(item.id) == "train" for item in part) or any(
                item.label not in CLASSES for item in part):
            raise ValueError(f"{path}: needs `train-N` ids labelled pos, neu or neg")
        texts += [item for item in part if tweet_key(item.text) not in unseen]
    return texts, [item for item in load_labelled(corpus_path(corpora, extra)) if split_of(item.id) == "train"]


def main(argv: list[str] | None = None) -> int:
    """Write scoring/backends/data/model_<lang>.json for every language in CORPORA."""
    parser = argparse.ArgumentParser(prog="python -m bench.sentiment_train_tweets", description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=None,
                        help=f"folder with the tweet corpora (default: ${CORPORA_ENV} or its default folder)")
    parser.add_argument("--without-val", action="store_true",
                        help="fit on the train parts only, leaving every val part unseen (to choose settings on val)")
    args = parser.parse_args(argv)
    for language, names in CORPORA.items():
        try:
            texts, extra = training_texts(args.corpora or external_dir(), names, HELD_BACK[language],
                                          EXTRA[language], TUNING_PARTS if args.without_val else TRAIN_PARTS)
        except (OSError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        model = train(language, texts, extra)
        (DATA_OUT / f"model_{language}.json").write_text(model_file_text(model), encoding="utf-8")
        print(f"{language}: {len(texts)} + {len(extra)} training texts, "
              f"{len(model.negative)} + {len(model.positive)} model weights")
    return 0


if __name__ == "__main__":
    sys.exit(main())
