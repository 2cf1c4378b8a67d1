"""A small linear model over words, word pairs and lexicon evidence; its weights ship as a JSON file."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from scoring.backends.lexicon_rules import CLAUSE_END, LexiconHits

LEXICON_FEATURES = ("__lexicon_total", "__lexicon_positive", "__lexicon_negative")


def text_features(hits: LexiconHits) -> dict[str, float]:
    """The model's inputs: each word and adjacent word pair once, plus the lexicon's findings."""
    words = [token for token in hits.tokens if token not in CLAUSE_END or token in "!?"]
    features: dict[str, float] = dict.fromkeys(words, 1.0)
    features.update(dict.fromkeys((f"{a} {b}" for a, b in zip(words, words[1:], strict=False)), 1.0))
    features["__lexicon_total"] = max(-3.0, min(3.0, hits.total))
    features["__lexicon_positive"] = float(min(hits.positive, 3))
    features["__lexicon_negative"] = float(min(hits.negative, 3))
    return features


@dataclass(frozen=True)
class LinearModel:
    """Feature weights of a logistic model; the intercept is kept apart so a text without evidence is neutral."""

    language: str
    version: str
    weights: dict[str, float]
    intercept: float = 0.0

    def margin(self, features: dict[str, float]) -> float:
        """Weighted sum of the features, without the intercept."""
        weights = self.weights
        return math.fsum(value * weights.get(name, 0.0) for name, value in features.items())

    def compound(self, features: dict[str, float]) -> float:
        """The margin mapped onto [-1, 1] like a lexicon compound."""
        return math.tanh(self.margin(features))

    def to_json(self) -> dict[str, object]:
        """The data file's content."""
        return {"language": self.language, "version": self.version, "intercept": self.intercept,
                "weights": dict(sorted(self.weights.items()))}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> LinearModel:
        """A model from its data file's content."""
        weights = data["weights"]
        if not isinstance(weights, dict):
            raise ValueError("model file: 'weights' must be an object of feature -> number")
        # JSON values are typed `object`; float() rejects a non-number at load time
        return cls(str(data["language"]), str(data["version"]), {str(k): float(v) for k, v in weights.items()},
                   float(data.get("intercept", 0.0)))  # type: ignore[arg-type]


def top_weights(weights: dict[str, float], keep: int, always: Iterable[str] = LEXICON_FEATURES) -> dict[str, float]:
    """The `keep` largest weights by size (plus the lexicon features), rounded for a small file."""
    ranked = sorted(weights.items(), key=lambda item: -abs(item[1]))[:keep]
    chosen = {name: round(value, 4) for name, value in ranked if abs(value) >= 1e-4}
    chosen.update({name: round(weights.get(name, 0.0), 4) for name in always})
    return chosen
