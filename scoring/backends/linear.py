"""A small linear model over words, word pairs and lexicon evidence; its weights ship as a JSON file."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from scoring.backends.lexicon_rules import CLAUSE_END, LexiconHits

LEXICON_FEATURES = ("__lexicon_total", "__lexicon_positive", "__lexicon_negative")


def text_features(hits: LexiconHits) -> dict[str, float]:
    """The model's inputs: each word and adjacent word pair once, plus the lexicon's findings."""
    words = model_words(hits)
    features: dict[str, float] = dict.fromkeys(words, 1.0)
    features.update(dict.fromkeys((f"{a} {b}" for a, b in zip(words, words[1:], strict=False)), 1.0))
    features.update(zip(LEXICON_FEATURES, lexicon_values(hits), strict=True))
    return features


def model_words(hits: LexiconHits) -> list[str]:
    """The tokens the model reads: words, emoji, "!" and "?" (other clause ends are left out)."""
    return [token for token in hits.tokens if token not in CLAUSE_END or token in "!?"]


def lexicon_values(hits: LexiconHits) -> tuple[float, float, float]:
    """The values of LEXICON_FEATURES, in that order."""
    return max(-3.0, min(3.0, hits.total)), float(min(hits.positive, 3)), float(min(hits.negative, 3))


class WeightTables:
    """A linear model's weights laid out to be applied quickly: word weights in one table, word-pair weights
    keyed by (word, word), so a text's known words and pairs are found by set operations and no pair string
    is built; `margin` equals the weighted sum over the feature dict of each word and pair once."""

    def __init__(self, weights: Mapping[str, float], evidence: Sequence[str]) -> None:
        self.words: dict[str, float] = {}
        self.pairs: dict[tuple[str, str], float] = {}
        for name, weight in weights.items():
            first, space, second = name.partition(" ")
            if space:
                self.pairs[(first, second)] = weight
            elif name not in evidence:
                self.words[name] = weight
        self.evidence_weights = tuple(weights.get(name, 0.0) for name in evidence)

    def margin(self, tokens: list[str], evidence: Sequence[float]) -> float:
        """Each known word and adjacent pair of `tokens` once, plus the evidence values times their weights."""
        total = sum(map(self.words.__getitem__, self.words.keys() & tokens))
        if len(tokens) > 1:
            total += sum(map(self.pairs.__getitem__, self.pairs.keys() & zip(tokens, tokens[1:], strict=False)))
        return total + sum([w * v for w, v in zip(self.evidence_weights, evidence, strict=True)])


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

    @cached_property
    def tables(self) -> WeightTables:
        """The weights laid out for `compound_of_hits` (built on first use)."""
        return WeightTables(self.weights, LEXICON_FEATURES)

    def compound_of_hits(self, hits: LexiconHits) -> float:
        """compound(text_features(hits)), computed without building the feature dict."""
        return math.tanh(self.tables.margin(model_words(hits), lexicon_values(hits)))

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
