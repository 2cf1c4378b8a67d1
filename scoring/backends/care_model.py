"""The learned part of the customer-care layer: a linear model that finds complaints the rules do not name.

Its inputs are the text's words and word pairs plus what VADER and the care rules found; its weights
ship as data/care_model_en.json (bench/sentiment_train_care.py computes them from open-licence,
human-labelled review sentences and tweets and the team's own customer-care texts). It only ever moves a text
towards negative: a text it reads with some certainty as a complaint (margin above MIN_MARGIN; above
SHORT_MIN_MARGIN on a text of fewer than SHORT_WORDS words), that VADER and the rules left neutral or mildly
positive (below +0.5), gets a small negative compound (between about -0.09 and -0.3, firmer the surer the model is).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from scoring.backends.base import BackendScore
from scoring.backends.data_files import data_json
from scoring.backends.linear import LinearModel, WeightTables

CARE_FEATURES = ("__base", "__vader_negative", "__vader_positive", "__complaint", "__care_shift", "__exclamation",
                 "__question")
NEGATIVE_EDGE = -0.05  # where a compound starts to count as negative
CLEARLY_POSITIVE = 0.5  # from here on a text is left as VADER and the rules read it (and the model is not run)
FIRMNESS = 0.5  # a sure complaint (probability near 1) lands at -0.05 - 0.5 * 0.5 = -0.3
MIN_MARGIN = 0.3  # how sure the model must be (its margin) before it calls a text a complaint
SHORT_WORDS = 6  # a text of fewer words (@handles not counted) gives the model little to read: one word decides
SHORT_MIN_MARGIN = 0.8  # so on such a text the model must be surer before it calls it a complaint
HANDLE_WORD = "_"  # what a cleaned @handle leaves among a text's words


@dataclass(slots=True)
class CareInputs:
    """One text as the model reads it: its lower-cased form and words (as the care rules cut them, in order),
    the inner backend's score, the compound after the rules, and whether a complaint rule fired and its shift."""

    lowered: str
    tokens: list[str]
    base: BackendScore
    compound: float
    complaint: bool
    shift: float

    def evidence(self) -> tuple[float, ...]:
        """The values of CARE_FEATURES, in that order."""
        return (self.compound, 3.0 * (self.base.neg or 0.0), 3.0 * (self.base.pos or 0.0),
                1.0 if self.complaint else 0.0, self.shift, 1.0 if "!" in self.lowered else 0.0,
                1.0 if "?" in self.lowered else 0.0)


def care_features(inputs: CareInputs) -> dict[str, float]:
    """Each word and adjacent word pair once, plus the lexicon's and the rules' findings on the text."""
    tokens = inputs.tokens
    features = dict.fromkeys(tokens, 1.0)
    features.update(dict.fromkeys([f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)], 1.0))
    features.update(zip(CARE_FEATURES, inputs.evidence(), strict=True))
    return features


class CareModel:
    """A LinearModel over care_features, its weights laid out to be applied quickly."""

    def __init__(self, model: LinearModel) -> None:
        self.version = model.version
        self.tables = WeightTables(model.weights, CARE_FEATURES)

    def margin(self, inputs: CareInputs) -> float:
        """The model's margin (positive: a complaint), equal to LinearModel.margin(care_features(inputs))."""
        return self.tables.margin(inputs.tokens, inputs.evidence())


@cache
def care_model(language: str = "en") -> CareModel:
    """The shipped model of `language`, loaded once per process."""
    return CareModel(LinearModel.from_json(data_json(f"care_model_{language}.json")))


def model_may_move(compound: float) -> bool:
    """Whether the model is asked about a text with this compound: neither negative nor clearly positive."""
    return NEGATIVE_EDGE < compound < CLEARLY_POSITIVE


def least_margin(tokens: list[str]) -> float:
    """The margin above which the model calls a text a complaint: MIN_MARGIN, or SHORT_MIN_MARGIN for a text of
    fewer than SHORT_WORDS words besides @handles."""
    return MIN_MARGIN if len(tokens) - tokens.count(HANDLE_WORD) >= SHORT_WORDS else SHORT_MIN_MARGIN


def with_care_model(compound: float, margin: float, least: float = MIN_MARGIN) -> float:
    """The compound after the model's verdict: unchanged unless the model reads a complaint (margin above `least`,
    see least_margin) in a text that is neither negative nor clearly positive; then -0.05 minus FIRMNESS times
    its certainty (about -0.09 to -0.3)."""
    if margin <= least or not model_may_move(compound):
        return compound
    certainty = 1.0 / (1.0 + math.exp(-margin)) - 0.5
    return round(NEGATIVE_EDGE - FIRMNESS * certainty, 4)
