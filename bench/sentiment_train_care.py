"""Train the customer-care layer's English model (run by a maintainer, not at run time).

`python -m bench.sentiment_train_care` reads the training part (4 in 5 texts, by a hash of the id) of the
UCI "Sentiment Labelled Sentences" (Yelp, IMDb and Amazon review sentences, CC-BY-4.0; `uci_yelp_en`,
`uci_imdb_en`, `uci_amazon_en` in the corpora folder outside the repository, see bench/data/sentiment_multi)
and of the SMILE museum tweets (`smile_en`, annotations CC-BY-4.0: posts that are neither complaints nor
praise, which the review sentences, all either positive or negative, never show), and the team's customer-care
sets `care_en`, `care_en_blind` and `care_en_fresh` (bench/data/sentiment_care, given CARE_REPEAT times the
weight: they are few and closest to what brands receive). `care_en_final`, `care_en_final2`, `care_en_final3`,
the held-out fifths and every other corpus are never trained on. It fits a class-balanced logistic model of
"negative or not" over CareLayer.features, without the placeholder a cleaned @handle leaves (where a post was
addressed says which corpus it came from, not whether it complains), and writes
scoring/backends/data/care_model_en.json. Deterministic: the same inputs give the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.sentiment_corpora import CORPORA_ENV, LabelledText, external_dir, find_corpus, load_labelled, split_of
from bench.sentiment_train import DATA_OUT, fit_logistic
from scoring.backends.care import CareLayer
from scoring.backends.care_model import CARE_FEATURES
from scoring.backends.linear import LinearModel, top_weights
from scoring.backends.vader_backend import VaderBackend
from scoring.text import clean_for_sentiment

MODEL_VERSION = "care-lr-4"
REVIEW_CORPORA = ("uci_yelp_en", "uci_imdb_en", "uci_amazon_en")
TWEET_CORPORA = ("smile_en",)
HANDLE = "_"  # what clean_for_sentiment leaves of an @handle: never a feature of the model
CARE_SETS = ("care_en", "care_en_blind", "care_en_fresh")
CARE_DIR = Path(__file__).resolve().parent / "data" / "sentiment_care"
CARE_REPEAT = 8
KEEP_WEIGHTS = 3000


def training_texts(corpora: Path) -> list[LabelledText]:
    """The training part of the review and tweet corpora, then the care sets CARE_REPEAT times."""
    texts: list[LabelledText] = []
    for name in REVIEW_CORPORA + TWEET_CORPORA:
        path = find_corpus(corpora, name)
        if path is None:
            raise FileNotFoundError(f"no {name}.tsv or {name}/data.tsv in {corpora}")
        texts.extend(item for item in load_labelled(path) if split_of(item.id) == "train")
    for name in CARE_SETS:
        texts.extend(load_labelled(CARE_DIR / f"{name}.tsv") * CARE_REPEAT)
    return texts


def train(texts: list[LabelledText]) -> LinearModel:
    """The model of 'negative or not' over the care layer's features of each cleaned text."""
    layer = CareLayer(VaderBackend(), use_model=False)
    rows = [{name: value for name, value in layer.features(clean_for_sentiment(item.text)).items()
             if HANDLE not in name.split(" ")} for item in texts]
    weights, intercept = fit_logistic(rows, [1 if item.label == "negative" else 0 for item in texts])
    return LinearModel("en", MODEL_VERSION, top_weights(weights, KEEP_WEIGHTS, CARE_FEATURES), round(intercept, 4))


def main(argv: list[str] | None = None) -> int:
    """Write scoring/backends/data/care_model_en.json."""
    parser = argparse.ArgumentParser(prog="python -m bench.sentiment_train_care", description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=None,
                        help=f"folder with the UCI and SMILE corpora (default: ${CORPORA_ENV} or its default folder)")
    args = parser.parse_args(argv)
    try:
        texts = training_texts(args.corpora or external_dir())
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    model = train(texts)
    (DATA_OUT / "care_model_en.json").write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=0) + "\n",
                                                 encoding="utf-8")
    print(f"en: {len(texts)} training texts, {len(model.weights)} model weights")
    return 0


if __name__ == "__main__":
    sys.exit(main())
