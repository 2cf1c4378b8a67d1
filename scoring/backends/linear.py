"""A small linear model over words, word pairs and lexicon evidence; its weights ship as a JSON file."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from scoring.backends.lexicon_rules import CLAUSE_END, NEGATIONS, LexiconHits

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


# Text emoticons the word tokens miss: ":)", ":-(", ";D", ":P", "=)", "<3", "^^", and the mirrored "(:" ("xD" is a
# word token already). A face must end a word, so "12:30" is none. Each has one of FACE_MARKS, tested first (fast).
EMOTICON = re.compile(r"(?:[:;=][-'^o]?[)\]dDpP(\[/\\|*3oO]+|<3+|\^_?\^|(?<!\w)\(-?[:;])(?![^\W_])")
FACE_MARKS = ":;=<^"
SAD_MOUTH = frozenset("([/\\|")  # after the eyes: ":(", ":/", ":|"; a mirrored "(:" smiles
USER_MARK = "@_"  # what the clean-up leaves of an @handle (scoring.text.HANDLE_MARK)


def text_marks(text: str, hits: LexiconHits, language: str) -> list[str]:
    """What a tweet model reads besides words: each emoticon ("emo::)"; its nose and tear left out) and its mood
    ("emo:happy" / "emo:sad"), "user:" when the text addresses someone, and each word between a negation and the
    clause's end as "not_<word>" ("nicht wirklich gut" gives "not_wirklich", "not_gut")."""
    marks: list[str] = []
    for emoticon in EMOTICON.findall(text) if any(mark in text for mark in FACE_MARKS) else ():
        face = emoticon.replace("-", "").replace("'", "").lower()
        marks += (f"emo:{face}", "emo:sad" if SAD_MOUTH.intersection(face[1:]) else "emo:happy")
    if USER_MARK in text:
        marks.append("user:")
    negations, negated = NEGATIONS.get(language, frozenset()), False
    for token in hits.tokens if not negations.isdisjoint(hits.tokens) else ():
        if token in CLAUSE_END:
            negated = False
        elif negated:
            marks.append(f"not_{token}")
        elif token in negations:
            negated = True
    return marks


def marked_features(text: str, hits: LexiconHits, language: str) -> dict[str, float]:
    """`text_features` plus `text_marks`: the inputs of a three-way model whose file says it reads marks."""
    return {**text_features(hits), **dict.fromkeys(text_marks(text, hits, language), 1.0)}


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

    def margin(self, tokens: list[str], evidence: Sequence[float], marks: Sequence[str] = ()) -> float:
        """Each known word and adjacent pair of `tokens` and each known mark once, plus the evidence values times
        their weights.

        The sets come out in an order that depends on the process's string hashing, so the terms are added
        by `math.fsum` (exact, then rounded once): the same text gets the same float in every process.
        """
        terms = [*map(self.words.__getitem__, self.words.keys() & (tokens if not marks else [*tokens, *marks]))]
        if len(tokens) > 1:
            terms += map(self.pairs.__getitem__, self.pairs.keys() & zip(tokens, tokens[1:], strict=False))
        terms += (w * v for w, v in zip(self.evidence_weights, evidence, strict=True))
        return math.fsum(terms)


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


PLAIN_INPUTS, MARKED_INPUTS = "words", "words+marks"  # a three-way model file's "inputs" (absent: plain words)
# A model that finds neutral likeliest, but below this probability, lets a clear word-list verdict (|total| at least
# LEXICON_TIP) stand: a rare polar word the tweets taught it little about. Chosen on the German val parts.
UNSURE_NEUTRAL, LEXICON_TIP = 0.55, 0.3
NEUTRAL_BAND = 0.04  # a text the model finds most likely neutral keeps this share of P(pos) - P(neg): |compound| < 0.05


@dataclass(frozen=True)
class ThreeWayModel:
    """A negative / neutral / positive logistic model over the same features; neutral is the reference class, so
    each of the other two has its own weights and intercept and neutral's logit is 0."""

    language: str
    version: str
    negative: dict[str, float]
    positive: dict[str, float]
    intercepts: tuple[float, float]  # negative, positive
    reads_marks: bool = False  # whether its inputs include `text_marks` (emoticons, addressees, negated words)

    @cached_property
    def tables(self) -> tuple[WeightTables, WeightTables]:
        """The negative and the positive weights laid out for `compound_of_hits` (built on first use)."""
        return WeightTables(self.negative, LEXICON_FEATURES), WeightTables(self.positive, LEXICON_FEATURES)

    def marks(self, text: str, hits: LexiconHits) -> list[str]:
        """The `text_marks` of `text` if the model reads them, else none."""
        return text_marks(text, hits, self.language) if self.reads_marks else []

    def probabilities(self, hits: LexiconHits, text: str = "") -> tuple[float, float, float]:
        """P(negative), P(neutral), P(positive) of a text (`text` is what `hits` were found in; only a model that
        reads marks looks at it)."""
        return self._probabilities(model_words(hits), lexicon_values(hits), self.marks(text, hits))

    def _probabilities(self, words: list[str], evidence: Sequence[float],
                       marks: Sequence[str]) -> tuple[float, float, float]:
        negative, positive = (table.margin(words, evidence, marks) + b
                              for table, b in zip(self.tables, self.intercepts, strict=True))
        top = max(negative, 0.0, positive)
        shares = (math.exp(negative - top), math.exp(-top), math.exp(positive - top))
        total = sum(shares)
        return shares[0] / total, shares[1] / total, shares[2] / total

    def compound_of_hits(self, hits: LexiconHits, text: str = "", lexicon_compound: float | None = None) -> float:
        """P(positive) - P(negative); inside the neutral band (+/-NEUTRAL_BAND at most) when neutral is likeliest,
        unless the model is unsure (P(neutral) < UNSURE_NEUTRAL) and the word list clearly is not (|total| >=
        LEXICON_TIP): then `lexicon_compound`, where given ("..., furchtbar."); 0 when the model knows none of the
        text's words and marks and the lexicon found nothing."""
        words, marks = model_words(hits), self.marks(text, hits)
        if not hits.total and all(table.words.keys().isdisjoint(words) and table.words.keys().isdisjoint(marks)
                                  for table in self.tables):
            return 0.0
        negative, neutral, positive = self._probabilities(words, lexicon_values(hits), marks)
        if neutral < max(negative, positive):
            return positive - negative
        if lexicon_compound is not None and neutral < UNSURE_NEUTRAL and abs(hits.total) >= LEXICON_TIP:
            return lexicon_compound
        return (positive - negative) * NEUTRAL_BAND

    def to_json(self) -> dict[str, object]:
        """The data file's content."""
        return {"language": self.language, "version": self.version, "classes": ["negative", "neutral", "positive"],
                **({"inputs": MARKED_INPUTS} if self.reads_marks else {}),
                "intercepts": {"negative": self.intercepts[0], "positive": self.intercepts[1]},
                "weights": {"negative": dict(sorted(self.negative.items())),
                            "positive": dict(sorted(self.positive.items()))}}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ThreeWayModel:
        """A model from its data file's content."""
        weights, intercepts = data["weights"], data["intercepts"]
        if not (isinstance(weights, dict) and isinstance(intercepts, dict)
                and all(isinstance(weights.get(c), dict) for c in ("negative", "positive"))):
            raise ValueError("three-way model file: 'weights' and 'intercepts' need 'negative' and 'positive'")
        tables = {c: {str(k): float(v) for k, v in weights[c].items()} for c in ("negative", "positive")}
        inputs = data.get("inputs", PLAIN_INPUTS)
        if inputs not in (PLAIN_INPUTS, MARKED_INPUTS):
            raise ValueError(f"three-way model file: 'inputs' must be {PLAIN_INPUTS!r} or {MARKED_INPUTS!r}")
        return cls(str(data["language"]), str(data["version"]), tables["negative"], tables["positive"],
                   (float(intercepts["negative"]), float(intercepts["positive"])), inputs == MARKED_INPUTS)


def load_model(data: dict[str, object]) -> LinearModel | ThreeWayModel:
    """A model file's content as the model it describes: three-way when it names its classes, else two-way."""
    return ThreeWayModel.from_json(data) if "classes" in data else LinearModel.from_json(data)
