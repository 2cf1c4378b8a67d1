"""The linear models' fast margin: exactly the sum over the text's features, so the same float in every process
(the sets it adds come out in an order that depends on the process's string hashing)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from scoring.backends.lexicon import linear_model, rule_lexicon
from scoring.backends.linear import LinearModel, model_words, text_features

CARE_SETS = Path(__file__).resolve().parents[1] / "bench" / "data" / "sentiment_care"


def texts_of(name: str) -> list[str]:
    lines = (CARE_SETS / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[2] for line in lines if line and not line.startswith("#")]


@pytest.mark.parametrize(("language", "texts"), [("de", "care_de.tsv"), ("nl", "care_nl.tsv")])
def test_the_fast_margin_is_the_exact_sum_over_the_feature_dict(language: str, texts: str) -> None:
    model, lexicon = linear_model(language), rule_lexicon(language)
    weights = [model.weights] if isinstance(model, LinearModel) else [model.negative, model.positive]
    tables = [model.tables] if isinstance(model, LinearModel) else list(model.tables)
    for text in texts_of(texts):
        hits = lexicon.score(text.lower())
        features = text_features(hits)
        evidence = [features[name] for name in ("__lexicon_total", "__lexicon_positive", "__lexicon_negative")]
        for table, weight in zip(tables, weights, strict=True):
            exact = math.fsum(value * weight.get(name, 0.0) for name, value in features.items())
            assert table.margin(model_words(hits), evidence) == exact, text
