"""A customer-care layer on top of a lexicon backend: complaints, waiting, repetition, missing things, sarcasm."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from scoring.backends.base import Backend, BackendScore

CARE_VERSION = "1"
POSITIVE_DISCOUNT = 0.3  # share of a positive lexicon score kept next to a complaint


@dataclass(frozen=True)
class CareRule:
    """One readable rule: a name, a weight and the patterns that trigger it."""

    name: str
    weight: float
    patterns: tuple[re.Pattern[str], ...]
    needs_complaint: bool = False
    fires: tuple[str, ...] = ()
    quiet: tuple[str, ...] = ()
    keywords: frozenset[str] = frozenset()

    def matches(self, lowered: str, words: frozenset[str] | None = None) -> bool:
        """Whether any pattern is found in the lower-cased text (not tried without one of the keywords)."""
        if self.keywords and self.keywords.isdisjoint(words if words is not None else words_of(lowered)):
            return False
        return self.combined.search(lowered) is not None

    @property
    def combined(self) -> re.Pattern[str]:
        """All patterns as one alternation (one scan of the text per rule)."""
        return _alternation(self.patterns)


_WORD = re.compile(r"[a-z0-9]+")


def words_of(lowered: str) -> frozenset[str]:
    """The words of a lower-cased text, split at anything that is not a letter or digit."""
    return frozenset(_WORD.findall(lowered))


@lru_cache(maxsize=256)
def _alternation(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns))


def parse_rules(text: str, where: str = "rules") -> tuple[CareRule, ...]:
    """Rules from TOML text; a one-line error names the rule and what is wrong."""
    rules = []
    for number, entry in enumerate(tomllib.loads(text).get("rule", []), start=1):
        name = entry.get("name", f"#{number}")
        try:
            patterns = tuple(re.compile(p) for p in entry["patterns"])
            rules.append(CareRule(name, float(entry["weight"]), patterns, bool(entry.get("needs_complaint", False)),
                                  tuple(entry.get("fires", ())), tuple(entry.get("quiet", ())),
                                  frozenset(entry.get("keywords", ()))))
        except (KeyError, TypeError, ValueError, re.error) as error:
            raise ValueError(f"{where}: rule {name!r}: {error}") from error
    return tuple(rules)


@lru_cache(maxsize=1)
def shipped_rules() -> tuple[CareRule, ...]:
    """The rules in scoring/backends/data/care_en.toml, read once per process."""
    text = resources.files("scoring.backends").joinpath("data", "care_en.toml").read_text(encoding="utf-8")
    return parse_rules(text, "care_en.toml")


def care_evidence(text: str, rules: Sequence[CareRule]) -> tuple[float, list[str]]:
    """The summed weight of the rules that fire on `text`, and their names."""
    lowered = text.lower().replace("’", "'")
    words = words_of(lowered)
    fired = [rule for rule in rules if not rule.needs_complaint and rule.matches(lowered, words)]
    if fired:
        fired += [rule for rule in rules if rule.needs_complaint and rule.matches(lowered, words)]
    return sum(rule.weight for rule in fired), [rule.name for rule in fired]


def combine(base: float, care: float) -> float:
    """The lexicon compound moved by the care evidence; positive wording next to a complaint counts little."""
    if not care:
        return base
    if base > 0:
        base *= POSITIVE_DISCOUNT
    return max(-1.0, min(1.0, round(base + care, 4)))


class CareLayer:
    """Wraps a backend: its score, moved by the customer-care rules."""

    def __init__(self, inner: Backend, rules: Sequence[CareRule] | None = None) -> None:
        self.inner, self.rules = inner, tuple(rules if rules is not None else shipped_rules())
        self.name = f"{inner.name}+care"
        self.version = f"{inner.version}+care-{CARE_VERSION}"
        self.languages = inner.languages

    def score(self, text: str) -> BackendScore:
        """The inner score, moved by the rules that fire."""
        inner = self.inner.score(text)
        care, _ = care_evidence(text, self.rules)
        if not care:
            return inner
        return BackendScore(combine(inner.compound, care), inner.pos, inner.neu, inner.neg)

    def score_many(self, texts: Sequence[str]) -> list[BackendScore]:
        """One score per text."""
        return [self.score(text) for text in texts]
