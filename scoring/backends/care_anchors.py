"""The words one of which every match of a care pattern must contain, so a pattern is only tried where it can match.

Read from the pattern's text. Only simple shapes at the pattern's top level are recognised: a word between
word boundaries or spaces (`\\bno sign of\\b`) and a group of plain words (`\\b(still|yet) no`), each not made
optional by a quantifier; in a group, an alternative of plain words gives its first uncommon word when
the group ends a word, and a group followed by an optional letter and a boundary (`(order|refund)s?\\b`) gives
each word with and without the letter. Of those, the one whose words are least common is kept. A pattern with an
alternation at its top level, or without such a shape, gets no anchor and is always tried: the result is the
same either way, an anchor only saves time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from scoring.backends.lazy_pattern import LazyPattern, SearchPattern

_QUANTIFIER = re.compile(r"(?:[?*+]|\{\d*(?:,\d*)?\})[?+]?")  # with a lazy or possessive mark
# Words so common that a pattern anchored on them is tried on most texts: any other anchor is preferred.
COMMON = frozenset("a an the and but or to for of in on at by is it i my our your you me we they this that so now "
                   "not no how when why been be have has get got same only please".split())


@dataclass(frozen=True)
class _Element:
    """One top-level piece of a pattern: a literal character, an escape, a class or a group, and its quantifier."""

    kind: str  # "char" | "escape" | "class" | "group"
    text: str
    quantifier: str = ""


def anchor_words(pattern: SearchPattern) -> frozenset[str] | None:
    """Words (letters and digits) one of which any match contains as a whole word; None if none is known."""
    ranked = ranked_anchors(pattern)
    return ranked[0] if ranked else None


def ranked_anchors(pattern: SearchPattern) -> list[frozenset[str]]:
    """Every set of words one of which any match contains as a whole word, least common first."""
    elements = _elements(pattern.pattern)
    if elements is None:
        return []
    candidates = _literal_anchors(elements) + _group_anchors(elements)
    return sorted(candidates, key=lambda words: sum(20 if w in COMMON else 1 for w in words))


_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")


def without_leading_assertions(pattern: SearchPattern) -> LazyPattern | None:
    """The pattern without the word boundaries and lookarounds it starts with, or None when it starts with none.

    It is found wherever the pattern is (what it drops matches no characters), and faster: Python's re scans for
    the first characters of a pattern that starts with a word or a group of words, but not of one that starts
    with an assertion. A dropped lookaround holds no group, so group numbers and back-references stay."""
    elements = _elements(pattern.pattern)
    if not elements:
        return None
    dropped = 0
    for element in elements:
        if element.quantifier or not (element.text == "\\b" or element.kind == "group"
                                      and element.text.startswith(_LOOKAROUND) and "(" not in element.text[1:]):
            break
        dropped += 1
    if not dropped or dropped == len(elements):
        return None
    return LazyPattern("".join(e.text + e.quantifier for e in elements[dropped:]), pattern.flags)


@lru_cache(maxsize=1024)
def _elements(source: str) -> tuple[_Element, ...] | None:
    """Top-level elements, or None when the top level is an alternation (then nothing is mandatory); read once per
    pattern (its anchors and its looser form both start here)."""
    elements, i = [], 0
    while i < len(source):
        char = source[i]
        if char == "|":
            return None
        if char == "\\":
            end, kind = i + 2, "escape"
        elif char == "[":
            end, kind = _class_end(source, i), "class"
        elif char == "(":
            end, kind = _group_end(source, i), "group"
        else:
            end, kind = i + 1, "char"
        quantifier = _QUANTIFIER.match(source, end)
        elements.append(_Element(kind, source[i:end], quantifier.group() if quantifier else ""))
        i = quantifier.end() if quantifier else end
    return tuple(elements)


def _class_end(source: str, start: int) -> int:
    i = start + 1 + (source[start + 1:start + 2] == "^")
    i += source[i:i + 1] == "]"
    while source[i] != "]":
        i += 2 if source[i] == "\\" else 1
    return i + 1


_NESTING = ("\\", "[", "(")  # what can hide a `)` or a `|` from the group it is in: an escape, a class, a group


def _nests_nothing(text: str) -> bool:
    """Whether `text` holds no escape, class or group, so its every `)` and `|` is the enclosing group's own."""
    return not any(mark in text for mark in _NESTING)


def _group_end(source: str, start: int) -> int:
    close = source.find(")", start)
    if close > start and _nests_nothing(source[start + 1:close]):  # most groups nest nothing: the first `)` ends them
        return close + 1
    depth, i = 0, start
    while True:
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(source, i)
            continue
        depth += (char == "(") - (char == ")")
        i += 1
        if depth == 0:
            return i


def _bounds_word(element: _Element | None) -> bool:
    """Whether this element, next to a word, makes it a whole word."""
    if element is None or element.quantifier:
        return False
    if element.kind == "char":  # "." is any character, a letter too; "_" belongs to the word (care.words_of)
        return not element.text.isalnum() and element.text not in "._"
    if element.kind == "escape":  # \b, or an escaped punctuation mark such as \? or \.
        return element.text == "\\b" or not element.text[1].isalnum()
    return element.text in ("^", "$")


def _bounded_before(elements: Sequence[_Element], i: int) -> bool:
    """Whether what comes before element i ends a word; an optional group whose every alternative ends in a
    space ("(just |even )?") is looked through."""
    j = i - 1
    while j >= 0 and elements[j].kind == "group" and elements[j].quantifier in ("?", "*"):
        alternatives = _split_alternatives(elements[j].text[1:-1].removeprefix("?:"))
        if not alternatives or not all(a.endswith(" ") for a in alternatives):
            return False
        j -= 1
    return _bounds_word(elements[j] if j >= 0 else None)


def _literal_anchors(elements: Sequence[_Element]) -> list[frozenset[str]]:
    """Each word of a run of plain characters with a word boundary on both sides."""
    anchors, i = [], 0
    while i < len(elements):
        j = i
        while j < len(elements) and elements[j].kind == "char" and _plain(elements[j]):
            j += 1
        run = elements[i:j]
        if run and not run[-1].quantifier:
            text = "".join(e.text for e in run)
            words = text.split(" ")
            first_ok = text[0] == " " or _bounded_before(elements, i)
            last_ok = text[-1] == " " or _bounds_word(elements[j] if j < len(elements) else None)
            for n, word in enumerate(words):
                if word and (n or first_ok) and (n < len(words) - 1 or last_ok) and word.isalnum():
                    anchors.append(frozenset({word}))
        i = max(j, i + 1)
    return anchors


def _plain(element: _Element) -> bool:
    return element.text.isalnum() or element.text == " "


def _group_anchors(elements: Sequence[_Element]) -> list[frozenset[str]]:
    """The first words of a group's alternatives, each a whole word: followed by a space, or ending the group
    where the group itself is followed by a word boundary."""
    anchors = []
    for i, element in enumerate(elements):
        if element.kind != "group" or element.quantifier or element.text.startswith("(?") and \
                not element.text.startswith("(?:"):
            continue
        alternatives = _split_alternatives(element.text[1:-1].removeprefix("?:"))
        if alternatives is None or not _bounded_before(elements, i):
            continue
        after = elements[i + 1] if i + 1 < len(elements) else None
        suffix = _optional_suffix(elements, i + 1)
        if suffix:  # "(order|refund)s?\b": the word is "order" or "orders"
            words = [w for a in alternatives for w in _suffixed_words(a, suffix)]
        else:
            words = [_alternative_word(a, _bounds_word(after)) for a in alternatives]
        if words and all(words):
            anchors.append(frozenset(w for w in words if w))
    return anchors


def _optional_suffix(elements: Sequence[_Element], i: int) -> str | None:
    """The letter of an optional one-letter suffix at element i ("s?") followed by a word boundary, else None."""
    element = elements[i] if i < len(elements) else None
    if element is None or element.kind != "char" or element.quantifier != "?" or not element.text.isalnum():
        return None
    return element.text if _bounds_word(elements[i + 1] if i + 1 < len(elements) else None) else None


def _suffixed_words(alternative: str, suffix: str) -> list[str | None]:
    """A one-word alternative with and without the suffix; another alternative's first word as usual."""
    if _LEADING.fullmatch(alternative):
        return [alternative, alternative + suffix]
    return [_leading_word(alternative, False)]


_PLAIN_WORDS = re.compile(r"[^\W_]+(?: [^\W_]+)+")  # an alternative of plain words and single spaces ("a scam")


def _alternative_word(alternative: str, group_bounded_after: bool) -> str | None:
    """The alternative's first word; for plain words ending a bounded group ("a scam", "not arrived"), the first
    one that is not common: each of them is a whole word of any match."""
    first = _leading_word(alternative, group_bounded_after)
    if first in COMMON and group_bounded_after and _PLAIN_WORDS.fullmatch(alternative):
        return next((word for word in alternative.split(" ") if word not in COMMON), first)
    return first


def _split_alternatives(inner: str) -> list[str] | None:
    """The group's alternatives (split at its own `|`, not at those of nested groups); None if unreadable."""
    if _nests_nothing(inner):
        return inner.split("|")
    alternatives, start, i = [], 0, 0
    try:
        while i < len(inner):
            char = inner[i]
            if char == "\\":
                i += 2
            elif char == "[":
                i = _class_end(inner, i)
            elif char == "(":
                i = _group_end(inner, i)
            else:
                if char == "|":
                    alternatives.append(inner[start:i])
                    start = i + 1
                i += 1
    except IndexError:
        return None
    return [*alternatives, inner[start:]]


_LEADING = re.compile(r"[^\W_]+")  # a word as care.words_of cuts it: letters and digits of any script


def _leading_word(alternative: str, group_bounded_after: bool) -> str | None:
    """The alternative's first word if nothing can glue more letters to it; else None."""
    match = _LEADING.match(alternative)
    if match is None:
        return None
    rest = alternative[match.end():]
    if rest == "":
        return match.group() if group_bounded_after else None
    if rest[0] in " -'" and not _QUANTIFIER.match(rest, 1):
        return match.group()
    return None
