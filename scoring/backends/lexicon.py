"""Dutch, German, French and Spanish: a shipped lexicon with rules, optionally blended with a small linear model."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

from scoring.backends.base import BackendScore
from scoring.backends.care import CARE_RULE_LANGUAGES, RuleBook, combine, shipped_rules
from scoring.backends.data_files import data_json, data_toml
from scoring.backends.lexicon_rules import RuleLexicon
from scoring.backends.linear import LinearModel, ThreeWayModel, load_model
from scoring.backends.names import LEXICON_LANGUAGES

LEXICON_VERSION = "3"
MODEL_SHARE = 0.5  # weight of a two-way model in the blend; the rest is the lexicon's own verdict
LEXICON_SLOPE = 2.0  # tanh(2 x total): one clearly polar word gives about +/-0.8
QUESTION_DAMPING = 0.3  # a one-sentence question's compound moves this far toward zero ("Past de accu ook?")
# Languages whose two-way model is heard on a text without any polar word of the word list only when it is sure
# the text is negative ("Het pakket is niet aangekomen"): a two-way model never says neutral, so on such posts
# (announcements, questions, chatter) it would otherwise pick a side. Measured for Dutch.
QUIET_WHEN_SILENT = frozenset({"nl"})
SURE_NEGATIVE = -0.9  # the model's compound at or below which it is heard on such a text
QUIET_VERSION = "quiet-1"  # part of the backend version, so profiles of these languages re-score once
# Care rule files changed since the lexicon version: part of both lexicon backends' versions in that language.
CARE_VERSIONS = {"de": "care-2"}


@cache
def neutral_words(language: str) -> frozenset[str]:
    """Words taken out of the language's lexicon (data/lexicon_neutral.toml says why)."""
    return frozenset(data_toml("lexicon_neutral.toml").get(language, ()))


@cache
def rule_lexicon(language: str) -> RuleLexicon:
    """The shipped lexicon of `language` without its neutral words, loaded once per process."""
    words = data_json(f"lexicon_{language}.json")
    neutral = neutral_words(language)
    # JSON values are typed `object`; float() rejects a non-number at load time
    return RuleLexicon.build(language, {str(k): float(v) for k, v in words.items()  # type: ignore[arg-type]
                                        if k not in neutral})


@cache
def linear_model(language: str) -> LinearModel | ThreeWayModel:
    """The shipped model of `language`, loaded once per process."""
    return load_model(data_json(f"model_{language}.json"))


def is_plain_question(text: str) -> bool:
    """One sentence ending in a single "?": a question to the brand, not an outburst ("Why?!", "Really? Wow.")."""
    body = text.rstrip()
    return body.endswith("?") and not any(mark in body[:-1] for mark in ".!?")


def damp_question(text: str, compound: float) -> float:
    """A plain question's compound moved QUESTION_DAMPING toward zero; other texts' unchanged."""
    if not is_plain_question(text):
        return compound
    return math.copysign(max(0.0, abs(compound) - QUESTION_DAMPING), compound)


class LexiconBackend:
    """Lexicon + rules for one language; with `use_model`, blended with the language's two-way linear model, or
    replaced by its three-way model (which reads the lexicon's findings among its inputs). In QUIET_WHEN_SILENT
    languages a text in which the word list finds no polar word stays neutral unless the model is sure it is
    negative."""

    languages = LEXICON_LANGUAGES

    def __init__(self, language: str, use_model: bool = True) -> None:
        if language not in LEXICON_LANGUAGES:
            raise ValueError(f"no lexicon for language {language!r}; have {sorted(LEXICON_LANGUAGES)}")
        self.language, self.use_model = language, use_model
        self.name = f"lexicon-model-{language}" if use_model else f"lexicon-{language}"
        self.version = f"{LEXICON_VERSION}+{linear_model(language).version}" if use_model else LEXICON_VERSION
        self.quiet_when_silent = use_model and language in QUIET_WHEN_SILENT
        if self.quiet_when_silent:
            self.version += f"+{QUIET_VERSION}"
        if language in CARE_VERSIONS:
            self.version += f"+{CARE_VERSIONS[language]}"
        self.languages = frozenset({language})
        self.care = RuleBook(shipped_rules(language)) if language in CARE_RULE_LANGUAGES else None

    def score(self, text: str) -> BackendScore:
        """The rules' verdict, blended with the model's when it is on (in QUIET_WHEN_SILENT languages, on a text
        without polar words only when the model is sure it is negative), moved by the language's care rules."""
        hits = rule_lexicon(self.language).score(text)
        compound = math.tanh(LEXICON_SLOPE * hits.total)
        if self.use_model:
            model = linear_model(self.language)
            if isinstance(model, ThreeWayModel):  # decides alone: the word list's findings are among its inputs
                blend, verdict = 1.0, model.compound_of_hits(hits, text, compound)
            else:
                blend, verdict = MODEL_SHARE, model.compound_of_hits(hits)
            if not (self.quiet_when_silent and hits.positive == hits.negative == 0 and verdict > SURE_NEGATIVE):
                compound = blend * verdict + (1 - blend) * compound
        evidence = self.care.evidence(text) if self.care else None
        if evidence is not None and (evidence.complaint or evidence.shift):  # a complaint, or praise for a fix
            return BackendScore(combine(compound, evidence))
        return BackendScore(round(damp_question(text, compound), 4))

    def score_many(self, texts: Sequence[str]) -> list[BackendScore]:
        """One score per text."""
        return [self.score(text) for text in texts]
