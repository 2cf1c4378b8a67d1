"""The "needs an answer" rule: which inbound items a brand is expected to reply to.

An inbound item needs an answer when it is addressed to the brand and is one of:
1. a **question**: its cleaned text has a question mark (?, ？ or ¿), or it opens like an
   English question ("how ...", "can you ...", "does anyone ...") and its first sentence
   does not end in "!";
2. a **negative reply**: a reply or comment to one of the brand's own items whose sentiment
   is negative (VADER compound <= -0.05);
3. a **direct mention**: a new post that mentions the brand's account (kind `mention`).

"Addressed to the brand" means a direct mention, a reply or comment to an owned item, or a
new post or quote found by the profile's hashtags and searches. Replies between other people
in a thread, shares and reviews never need an answer (review platforms answer elsewhere).
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from scoring.sentiment import NEGATIVE_THRESHOLD
from scoring.text import clean_for_sentiment, has_markup

Reason = Literal["question", "negative_reply", "mention"]
QUESTION_MARKS = ("?", "？", "¿")
WH_WORDS = frozenset({"how", "what", "why", "when", "where", "who", "whom", "whose", "which"})
QUESTION_OPENERS = frozenset({
    ("can", "you"), ("can", "i"), ("can", "we"), ("could", "you"), ("could", "i"), ("would", "you"),
    ("will", "you"), ("will", "it"), ("do", "you"), ("does", "anyone"), ("does", "it"), ("does", "the"),
    ("did", "you"), ("is", "there"), ("is", "it"), ("is", "this"), ("are", "you"), ("are", "there"),
    ("anyone", "know"), ("any", "idea"), ("any", "news"), ("any", "update"), ("should", "i"),
})
OPENING_WORDS = WH_WORDS | {first for first, _second in QUESTION_OPENERS}
_WORD = "[a-z']+"
_OPENING = re.compile(rf"[^a-z']*({_WORD})(?:[^a-z']+({_WORD}))?")  # the first word and the second, if any
NEVER_ANSWERED = frozenset({"share", "review"})
REPLY_KINDS = frozenset({"reply", "comment"})
TOP_LEVEL_KINDS = frozenset({"post", "quote", "mention"})


class InboundItem(NamedTuple):  # a tuple, not a frozen dataclass: a rebuild makes one per inbound item
    """What the rule looks at: kind, text, sentiment, and whether the parent is the brand's."""

    kind: str
    text: str
    compound: float | None
    parent_is_owned: bool


def _first_sentence(text: str) -> str:
    """The text up to its first "." or "!", that included; all of it without one."""
    ends = [i for i in (text.find("."), text.find("!")) if i >= 0]  # str.find: a fifth of a regex scanning for them
    return text[:min(ends) + 1] if ends else text


def is_question(text: str) -> bool:
    """A question mark anywhere, or an English question opener whose sentence does not end in "!"."""
    # A text without markup is read as it is: cleaning would only collapse its spaces, which no test below sees.
    cleaned = clean_for_sentiment(text) if has_markup(text) else text
    if "?" in cleaned or "？" in cleaned or "¿" in cleaned:  # QUESTION_MARKS, spelt out: this runs per inbound item
        return True
    opening = _OPENING.match(cleaned.lower())  # the first word: the first sentence's, unless that has none
    if opening is None or opening[1] not in OPENING_WORDS:
        return False  # most texts: no first sentence needed
    first = _first_sentence(cleaned)
    if first.endswith("!"):
        return False  # "What a day!" opens like a question but exclaims
    opening = _OPENING.match(first.lower())
    return opening is not None and (opening[1] in WH_WORDS or (opening[1], opening[2]) in QUESTION_OPENERS)


def addressed_to_brand(kind: str, parent_is_owned: bool) -> bool:
    """A direct mention, a reply to the brand, or a new post about it (hashtag / search hit)."""
    return parent_is_owned if kind in REPLY_KINDS else kind in TOP_LEVEL_KINDS


def needs_answer(item: InboundItem) -> Reason | None:
    """Why the brand should answer this item (question first), or None."""
    return answer_reason(*item)


def answer_reason(kind: str, text: str, compound: float | None, parent_is_owned: bool) -> Reason | None:
    """`needs_answer` of an item given field by field (a rebuild asks per inbound item: no tuple made)."""
    if kind in NEVER_ANSWERED or not addressed_to_brand(kind, parent_is_owned):
        return None
    if is_question(text):
        return "question"
    if kind in REPLY_KINDS and compound is not None and compound <= NEGATIVE_THRESHOLD:
        return "negative_reply"
    return "mention" if kind == "mention" else None
