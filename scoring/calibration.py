"""Per-profile calibration learned from a community manager's corrections: weighted terms and phrases."""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

TERM = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
TARGETS = {"positive": 0.6, "neutral": 0.0, "negative": -0.6}
MIN_SUPPORT = 2  # a term must appear in at least this many corrections
SHRINK = 2.0  # weight = mean error * n / (n + SHRINK)
MIN_WEIGHT = 0.05
MAX_TERMS = 200
HELD_BACK_EVERY = 4


@dataclass(frozen=True)
class Correction:
    """A corrected item: its text, what the scorer said and what the person set."""

    key: str
    text: str
    scored: float
    label: str


@dataclass(frozen=True)
class Calibration:
    """Terms (words and word pairs) with weights added to a compound when the text contains them."""

    terms: dict[str, float]

    @classmethod
    def empty(cls) -> Calibration:
        """No adjustment."""
        return cls({})

    @property
    def digest(self) -> str:
        """A short fingerprint of the terms ('none' when empty)."""
        if not self.terms:
            return "none"
        return hashlib.sha256(json.dumps(self.terms, sort_keys=True).encode()).hexdigest()[:12]

    def adjust(self, text: str, compound: float) -> float:
        """The compound moved by the weights of the terms found in `text`, kept within [-1, 1]."""
        if not self.terms:
            return compound
        found = set(terms_of(text)) & self.terms.keys()
        if not found:
            return compound
        return max(-1.0, min(1.0, round(compound + sum(self.terms[t] for t in found), 4)))


def terms_of(text: str) -> list[str]:
    """Lower-cased words and adjacent word pairs."""
    words = [w.lower() for w in TERM.findall(text)]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def learn(corrections: Sequence[Correction]) -> Calibration:
    """Each term's shrunk mean of (target - scored) over the corrections that contain it."""
    errors: dict[str, list[float]] = {}
    for c in corrections:
        for term in set(terms_of(c.text)):
            errors.setdefault(term, []).append(TARGETS[c.label] - c.scored)
    weights = {t: sum(e) / len(e) * len(e) / (len(e) + SHRINK) for t, e in errors.items() if len(e) >= MIN_SUPPORT}
    ranked = sorted(((t, round(w, 3)) for t, w in weights.items() if abs(w) >= MIN_WEIGHT), key=lambda x: -abs(x[1]))
    return Calibration(dict(ranked[:MAX_TERMS]))


def is_held_back(key: str) -> bool:
    """One correction in four (by a hash of its item key) is kept apart to measure the calibration."""
    return zlib.crc32(key.encode()) % HELD_BACK_EVERY == 0


@dataclass(frozen=True)
class CalibrationReport:
    """What calibration learned on the training part and how it does on the held-back part."""

    calibration: Calibration
    trained_on: int
    held_back: int
    agree_before: int
    agree_after: int


def label_of(compound: float) -> str:
    """'positive', 'neutral' or 'negative' at the +/-0.05 thresholds."""
    return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"


def evaluate(corrections: Sequence[Correction]) -> CalibrationReport:
    """Learn on the corrections not held back; count label agreement on the held-back ones before and after."""
    train = [c for c in corrections if not is_held_back(c.key)]
    test = [c for c in corrections if is_held_back(c.key)]
    calibration = learn(train)
    before = sum(label_of(c.scored) == c.label for c in test)
    after = sum(label_of(calibration.adjust(c.text, c.scored)) == c.label for c in test)
    return CalibrationReport(calibration, len(train), len(test), before, after)
