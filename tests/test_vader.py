"""scoring.vader gives exactly vaderSentiment's numbers, on real texts and on every rule."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from vaderSentiment import vaderSentiment as library

from scoring.vader import _but_check, polarity_scores

CORPORA = Path(__file__).resolve().parents[1] / "bench" / "data" / "sentiment"
RULE_WORDS = (
    ["good", "bad", "great", "terrible", "love", "hate", "no", "not", "never", "without", "doubt",
     "least", "at", "very", "kind", "of", "sort", "but", "so", "this", "or", "nor", "the", "bomb",
     "shit", "bus", "stop", "cut", "mustard", "extremely", "barely", "isn't", "nothing", "fun",
     "yeah", "right", "to", "die", "for", "hand", "mouth", ":)", ":(", "<3", "lol", "😀", "💔", "👍"]
    + sorted(library.NEGATE)[:12] + sorted(library.BOOSTER_DICT)[:12]
    + [phrase.split()[0] for phrase in sorted(library.SPECIAL_CASES)]
)


@pytest.fixture(scope="module")
def analyzer() -> library.SentimentIntensityAnalyzer:
    return library.SentimentIntensityAnalyzer()


def corpus_texts() -> list[str]:
    texts = []
    for path in sorted(CORPORA.glob("*_GroundTruth.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            fields = line.split("\t")
            if len(fields) >= 3:
                texts.append(fields[2])
    return texts


def rule_sentences(count: int, seed: int) -> list[str]:
    """Random sentences over the words each rule looks for, with capitals and punctuation."""
    rng = random.Random(seed)
    sentences = []
    for _ in range(count):
        words = [rng.choice(RULE_WORDS) for _ in range(rng.randint(0, 9))]
        words = [w.upper() if rng.random() < 0.15 else w for w in words]
        words = [w + rng.choice(("", "", ",", "!", "?", "...", "!!")) for w in words]
        sentences.append(rng.choice(("", " ", "  ")).join(words) if rng.random() < 0.1 else " ".join(words))
    return sentences


def test_same_scores_as_the_library_on_every_corpus_text(analyzer: library.SentimentIntensityAnalyzer) -> None:
    texts = corpus_texts()
    assert len(texts) > 19_000
    mismatched = [t for t in texts if polarity_scores(t) != analyzer.polarity_scores(t)]
    assert mismatched == []


def test_same_scores_as_the_library_on_sentences_built_to_reach_each_rule(
        analyzer: library.SentimentIntensityAnalyzer) -> None:
    sentences = rule_sentences(20_000, seed=20261204)
    mismatched = [s for s in sentences if polarity_scores(s) != analyzer.polarity_scores(s)]
    assert mismatched == []
    compounds = {polarity_scores(s)["compound"] for s in sentences}
    assert len(compounds) > 500  # the sentences do reach the rules, not just neutral text


@pytest.mark.parametrize("text", [
    "", "   ", "I 😀 love it", "I😀😀👍 hate 💔 it", "NOT good at all!!!", "kind of bad", "no no good",
    "at least good", "least good", "very least good", "the bomb but the food was TERRIBLE???",
    "never so good", "without doubt great", "this is the shit", "VERY GOOD", "Very GOOD movie",
    "no or bad", "isn't it good?", "good!!!!!!", "bad??", "bad????", ":) :( <3",
    "CAFÉ GOOD but the café was BAD", "İx. good, BUT bad!", "naïve ÜBER good… but: sad", "Ça va, VERY good but…",
])
def test_same_scores_as_the_library_on_edge_cases(analyzer: library.SentimentIntensityAnalyzer, text: str) -> None:
    assert polarity_scores(text) == analyzer.polarity_scores(text)


def test_the_but_rule_equals_the_library_step_for_step() -> None:
    """Repeated values, zeros of both signs and ints: the library finds each value's first place, so all count."""
    rng = random.Random(7)
    for _ in range(3000):
        size = rng.randint(1, 10)
        values = [0, 0, 0.0, -0.0, 1.5, -1.5, 2, -2, round(rng.uniform(-4, 4), 3)]
        sentiments: list[float] = [rng.choice(values) for _ in range(size)]
        words = ["w"] * size
        for _ in range(rng.randint(1, 2)):
            words[rng.randrange(size)] = "but"
        ours = list(sentiments)
        _but_check(words.index("but"), ours)
        theirs = library.SentimentIntensityAnalyzer._but_check(list(words), list(sentiments))
        assert [repr(value) for value in ours] == [repr(value) for value in theirs], (words, sentiments)
