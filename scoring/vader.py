"""VADER's `polarity_scores`, rule for rule, with the library's lexicons and a faster loop.

vaderSentiment 3.3.2 spends most of its time on bookkeeping, not on its rules: it rebuilds
a lower-cased copy of the whole sentence for every lexicon word it looks at (three times
over for the negation checks), builds the emoji-free text one character at a time, and
formats n-gram strings it then throws away. This module applies the same rules in the same
order to the same lexicon, booster, negation and idiom tables (imported from the library,
never copied), lower-casing each sentence once. `tests/test_vader.py` checks that its output
equals the library's, key for key, on every text of the three human-rated corpora and on
cases built to reach each rule.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from functools import lru_cache
from itertools import compress

from vaderSentiment import vaderSentiment as library

VADER_VERSION = "3.3.2"
_NEGATE = frozenset(library.NEGATE)
_BOOSTERS = library.BOOSTER_DICT
_SPECIAL_CASES = library.SPECIAL_CASES
_N_SCALAR = library.N_SCALAR
_C_INCR = library.C_INCR
_PUNCTUATION = string.punctuation
_SCALARS = (1.0, 0.95, 0.9)
# The words before a lexicon word that can change its valence (boosters, negations, "never so", "without doubt",
# "so"/"this", "least"): a word with none of them (and no "n't") among its three predecessors skips those rules.
_CONTEXT = frozenset(_BOOSTERS) | _NEGATE | {"so", "this", "never", "without", "doubt", "least"}
_NO_SENTIMENT = (0.0, 1.0, 0.0, 0.0)  # neg, neu, pos, compound of words none of which is in the lexicon
_NO_WORDS = (0.0, 0.0, 0.0, 0.0)
# Adjacent word pairs of the idioms and multi-word boosters: an idiom can only match where one of them occurs.
_IDIOM_PAIRS = frozenset(tuple(key.split()[j:j + 2]) for key in (*_SPECIAL_CASES, *_BOOSTERS) if " " in key
                         for j in range(len(key.split()) - 1))
# One word of each such pair (the longer: the rarer, mostly): a text with none of them holds no idiom at all.
_IDIOM_WORDS = frozenset(max(pair, key=len) for pair in _IDIOM_PAIRS)


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, float], dict[str, str], frozenset[str]]:
    analyzer = library.SentimentIntensityAnalyzer()
    single_chars = frozenset(key for key in analyzer.emojis if len(key) == 1)
    return analyzer.lexicon, analyzer.emojis, single_chars


def lexicon_without(words: frozenset[str], spellings: Mapping[str, str] | None = None) -> dict[str, float]:
    """VADER's word list without `words` (they then count as words without sentiment), plus each of `spellings`
    (another spelling -> the listed word, "favourite" -> "favorite") the list lacks, at its listed word's valence."""
    shipped = _tables()[0]
    lexicon = {word: valence for word, valence in shipped.items() if word not in words}
    lexicon.update((other, shipped[listed]) for other, listed in (spellings or {}).items()
                   if listed in shipped and other not in shipped and other not in words)
    return lexicon


def polarity_scores(text: str) -> dict[str, float]:
    """neg, neu, pos and compound for `text`, exactly as vaderSentiment 3.3.2 computes them."""
    neg, neu, pos, compound = polarity(text)
    return {"neg": neg, "neu": neu, "pos": pos, "compound": compound}


def polarity(text: str, lexicon: dict[str, float] | None = None) -> tuple[float, float, float, float]:
    """polarity_scores' neg, neu, pos and compound as a tuple, in that order (no dict built per text); `lexicon`
    replaces VADER's word list (see `lexicon_without`)."""
    shipped, emojis, emoji_chars = _tables()
    lexicon = shipped if lexicon is None else lexicon
    # no emoji is ASCII, and str.isascii is a flag lookup: most texts skip the character-by-character check
    text = text.strip() if text.isascii() or emoji_chars.isdisjoint(text) else _describe_emojis(text, emojis)
    words, lower = _words(text)
    if lexicon.keys().isdisjoint(lower):  # no word with sentiment: what the rules and the arithmetic give
        return _NO_SENTIMENT if lower else _NO_WORDS
    is_cap_diff = _cap_differential(words)
    # a word outside the lexicon has valence 0 whatever its neighbours (the library's first checks say so); the
    # places of lexicon words are picked out at C speed
    sentiments: list[float] = [0] * len(lower)
    idioms = not _IDIOM_WORDS.isdisjoint(lower)  # else the idiom rules leave every valence as it is
    for i in compress(range(len(lower)), map(lexicon.__contains__, lower)):
        sentiments[i] = _valence(words, lower, i, lexicon, is_cap_diff, idioms)
    if "but" in lower:
        _but_check(lower.index("but"), sentiments)
    return _score_valence(sentiments, text)


def _words(text: str) -> tuple[list[str], list[str]]:
    """(the words as the library's capital checks read them, the words lower-cased as its rules read them).

    The library's strip of punctuation, inline: a token keeps its punctuation when stripped it is 2 letters or
    less. An ASCII text is lower-cased first (the same tokens of the same lengths), and its tokens serve the capital
    checks unstripped: str.isupper reads only cased letters, and punctuation has none.
    """
    if text.isascii():
        return text.split(), [token if len(stripped := token.strip(_PUNCTUATION)) <= 2 else stripped
                              for token in text.lower().split()]
    words = [token if len(stripped := token.strip(_PUNCTUATION)) <= 2 else stripped for token in text.split()]
    return words, [word.lower() for word in words]


def _describe_emojis(text: str, emojis: dict[str, str]) -> str:
    """The library's emoji pass: each emoji character becomes its description."""
    parts: list[str] = []
    prev_space = True
    for char in text:
        description = emojis.get(char)
        if description is None:
            parts.append(char)
            prev_space = char == " "
            continue
        if not prev_space:
            parts.append(" ")
        parts.append(description)
        prev_space = False
    return "".join(parts).strip()


def _cap_differential(words: list[str]) -> bool:
    capitals = sum(map(str.isupper, words))
    return 0 < len(words) - capitals < len(words)


def _valence(words: list[str], lower: list[str], i: int, lexicon: dict[str, float],
             is_cap_diff: bool, idioms: bool) -> float:
    """One word's valence after the booster, negation, idiom and "least" rules (the idiom rules only where `idioms`:
    without it the text has none)."""
    item = lower[i]
    if item in _BOOSTERS or (item == "kind" and i < len(words) - 1 and lower[i + 1] == "of"):
        return 0
    valence = lexicon.get(item)
    if valence is None:
        return 0
    if item == "no" and i != len(words) - 1 and lower[i + 1] in lexicon:
        valence = 0.0
    if ((i > 0 and lower[i - 1] == "no") or (i > 1 and lower[i - 2] == "no")
            or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor"))):
        valence = lexicon[item] * _N_SCALAR
    if is_cap_diff and words[i].isupper():
        valence = valence + _C_INCR if valence > 0 else valence - _C_INCR
    before = lower[i - 3:i] if i > 3 else lower[:i]
    if _CONTEXT.isdisjoint(before) and "n't" not in " ".join(before):
        # no booster, negation or "least" can apply: only an idiom may, as the loop below would find it
        return _special_idioms(valence, lower, i) if idioms and i > 2 and lower[i - 3] not in lexicon else valence
    for start_i in range(3):
        if i > start_i and lower[i - start_i - 1] not in lexicon:
            valence += _booster_scalar(words[i - start_i - 1], lower[i - start_i - 1], valence,
                                       is_cap_diff) * _SCALARS[start_i]
            valence = _negation(valence, lower, start_i, i)
            if start_i == 2 and idioms:
                valence = _special_idioms(valence, lower, i)
    return _least(valence, lower, i, lexicon)


def _booster_scalar(word: str, word_lower: str, valence: float, is_cap_diff: bool) -> float:
    scalar = _BOOSTERS.get(word_lower)
    if scalar is None:
        return 0.0
    if valence < 0:
        scalar *= -1
    if word.isupper() and is_cap_diff:
        scalar = scalar + _C_INCR if valence > 0 else scalar - _C_INCR
    return scalar


def _is_negation(word: str) -> bool:
    return word in _NEGATE or "n't" in word


def _negation(valence: float, lower: list[str], start_i: int, i: int) -> float:
    if start_i == 0:
        return valence * _N_SCALAR if _is_negation(lower[i - 1]) else valence
    if start_i == 1:
        if lower[i - 2] == "never" and lower[i - 1] in ("so", "this"):
            return valence * 1.25
        if lower[i - 2] == "without" and lower[i - 1] == "doubt":
            return valence
        return valence * _N_SCALAR if _is_negation(lower[i - 2]) else valence
    if (lower[i - 3] == "never" and lower[i - 2] in ("so", "this")) or lower[i - 1] in ("so", "this"):
        return valence * 1.25
    if lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
        return valence
    return valence * _N_SCALAR if _is_negation(lower[i - 3]) else valence


def _special_idioms(valence: float, lower: list[str], i: int) -> float:
    window = lower[i - 3:i + 3]
    if _IDIOM_PAIRS.isdisjoint(zip(window, window[1:], strict=False)):
        return valence
    three, two, one, zero = lower[i - 3], lower[i - 2], lower[i - 1], lower[i]
    for sequence in (f"{one} {zero}", f"{two} {one} {zero}", f"{two} {one}", f"{three} {two} {one}",
                     f"{three} {two}"):
        if sequence in _SPECIAL_CASES:
            valence = _SPECIAL_CASES[sequence]
            break
    if len(lower) - 1 > i and (following := f"{zero} {lower[i + 1]}") in _SPECIAL_CASES:
        valence = _SPECIAL_CASES[following]
    if len(lower) - 1 > i + 1 and (following := f"{zero} {lower[i + 1]} {lower[i + 2]}") in _SPECIAL_CASES:
        valence = _SPECIAL_CASES[following]
    for n_gram in (f"{three} {two} {one}", f"{three} {two}", f"{two} {one}"):
        if n_gram in _BOOSTERS:
            valence = valence + _BOOSTERS[n_gram]
    return valence


def _least(valence: float, lower: list[str], i: int, lexicon: dict[str, float]) -> float:
    if i > 0 and lower[i - 1] == "least" and "least" not in lexicon:
        if i == 1 or lower[i - 2] not in ("at", "very"):
            return valence * _N_SCALAR
    return valence


def _but_check(but: int, sentiments: list[float]) -> None:
    """The library's "but" rule, step for step: each place in turn takes the value there, finds the first place
    holding an equal value (list.index, as the library does) and halves it before the first "but", makes it 1.5
    times after. The library pops and inserts at that place (the same list as assigning) and lower-cases words
    that are lower case here already."""
    for place in range(len(sentiments)):
        sentiment = sentiments[place]
        first = sentiments.index(sentiment)
        if first < but:
            sentiments[first] = sentiment * 0.5
        elif first > but:
            sentiments[first] = sentiment * 1.5


def _punctuation_emphasis(text: str) -> float:
    question_marks = text.count("?")
    question_amplifier = 0.0 if question_marks <= 1 else (
        question_marks * 0.18 if question_marks <= 3 else 0.96)
    return min(text.count("!"), 4) * 0.292 + question_amplifier


def _score_valence(sentiments: list[float], text: str) -> tuple[float, float, float, float]:
    if not sentiments:
        return _NO_WORDS
    if not any(sentiments):  # no word carries sentiment: what the arithmetic below gives, without it
        return _NO_SENTIMENT
    sum_s = float(sum(sentiments))
    amplifier = _punctuation_emphasis(text)
    if sum_s > 0:
        sum_s += amplifier
    elif sum_s < 0:
        sum_s -= amplifier
    compound = max(-1.0, min(1.0, sum_s / math.sqrt(sum_s * sum_s + 15)))
    pos_sum, neg_sum, neu_count = _sift(sentiments)
    if pos_sum > math.fabs(neg_sum):
        pos_sum += amplifier
    elif pos_sum < math.fabs(neg_sum):
        neg_sum -= amplifier
    total = pos_sum + math.fabs(neg_sum) + neu_count
    return (round(math.fabs(neg_sum / total), 3), round(math.fabs(neu_count / total), 3),
            round(math.fabs(pos_sum / total), 3), round(compound, 4))


def _sift(sentiments: list[float]) -> tuple[float, float, int]:
    # A loop, not sum(): Python 3.12's sum() of floats rounds differently from repeated +=.
    # Zeros only count: the loop runs over the others, in order (filter drops zeros at C speed).
    pos_sum, neg_sum, polar = 0.0, 0.0, 0
    for sentiment in filter(None, sentiments):
        polar += 1
        if sentiment > 0:
            pos_sum += float(sentiment) + 1
        else:
            neg_sum += float(sentiment) - 1
    return pos_sum, neg_sum, len(sentiments) - polar
