"""Responsiveness rules: which items need an answer, and SLA clocks around the clock or in business hours."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from scoring.business_time import BusinessHours, elapsed_seconds, sla_deadline
from scoring.needs_answer import QUESTION_MARKS, QUESTION_OPENERS, WH_WORDS, InboundItem, is_question, needs_answer
from scoring.text import clean_for_sentiment

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = BusinessHours.parse("09:00-17:00", [1, 2, 3, 4, 5])
EVERY_DAY = BusinessHours.parse("09:00-17:00", [1, 2, 3, 4, 5, 6, 7])
ALWAYS = BusinessHours.parse("00:00-24:00", [1, 2, 3, 4, 5, 6, 7])


@pytest.mark.parametrize(
    ("kind", "text", "compound", "parent_owned", "reason"),
    [
        ("mention", "Love @acme, best grinder ever!", 0.6, False, "mention"),
        ("mention", "@acme how do I descale the grinder?", 0.0, False, "question"),
        ("reply", "@acme Does the G3 fit the old hopper", 0.0, True, "question"),
        ("reply", "@acme My order is two weeks late & nobody answers.", -0.4, True, "negative_reply"),
        ("comment", "Does it ship to Canada?", 0.0, True, "question"),
        ("reply", "@acme Thanks, love it!", 0.8, True, None),
        ("reply", "@acme unbelievable", None, True, None),  # not scored (language) and no question
        ("reply", "@bob is it any good?", 0.4, False, None),  # a conversation between other people
        ("reply", "@bob this is awful", -0.6, False, None),
        ("post", "Anyone know if #acmecoffee ships to Canada?", 0.0, False, "question"),
        ("post", "Where is my refund #acmecoffee", -0.2, False, "question"),
        ("post", "What a great grinder! #acmecoffee", 0.6, False, None),  # exclamation, not a question
        ("post", "Terrible grinder. #acmecoffee", -0.5, False, None),  # negative, but not a reply to the brand
        ("post", "Specs: https://acme.example/g3?ref=fedi", 0.0, False, None),  # '?' only inside a link
        ("mention", "@acme Wie entkalke ich die Mühle？", None, False, "question"),
        ("share", "Why did it break?", -0.4, True, None),
        ("review", "Why did it break after a month?", -0.4, False, None),
    ],
)
def test_needs_an_answer_rule(kind: str, text: str, compound: float | None, parent_owned: bool,
                              reason: str | None) -> None:
    assert needs_answer(InboundItem(kind, text, compound, parent_owned)) == reason


@pytest.mark.parametrize(("text", "question"), [
    ("how fine for a moka pot", True), ("Can you ship to Canada", True), ("Can't believe how good this is", False),
    ("Is there a manual", True), ("is it me or", True), ("What a day!", False), ("", False), ("¿Envían a México", True),
    ("Why not. Great grinder!", True), ("Why not! Great grinder.", False),  # only the first sentence's end counts
    ("Can. You ship it", False), ("Can you. Ship it", True),  # an opener's two words are the first sentence's
    ("... how fine", False), ("!How fine", False),  # the first sentence has no word
    ("\u3000Does\u2003anyone\n\tsell it", True), ("  what  a day  ! ", False),  # spaces of any kind, any number
    ("@acme how fine", True), ("#how fine", True), ("https://a.example/x how fine", True),  # read after clean-up
    ("&#63; at last", True), ("&#x21; how fine", False),  # entities decoded: "?", then a "!" first
    ("Is there a way to descale it", True), ("İs there", False), ("ΣWhy not", True),
])
def test_question_detection(text: str, question: bool) -> None:
    assert is_question(text) is question


def _question_as_documented(text: str) -> bool:
    """The rule read off the module's docstring, every step on the cleaned text."""
    cleaned = clean_for_sentiment(text)
    if any(mark in cleaned for mark in QUESTION_MARKS):
        return True
    ends = [i for i in (cleaned.find("."), cleaned.find("!")) if i >= 0]
    first = cleaned[:min(ends) + 1] if ends else cleaned
    words = re.findall("[a-z']+", first.lower())[:2]
    return not first.endswith("!") and bool(words) and (
        words[0] in WH_WORDS or tuple(words) in QUESTION_OPENERS)


def test_question_detection_follows_the_rule_on_any_text() -> None:
    pieces = ["how", "can", "you", "is", "it", "What", "a", "day", " ", "  ", "\n", ".", "!", "?", "¿", "@acme", "@",
              "#how", "#ab", "&amp;", "&#63;", "https://a.example/?q", "www.", "_", "'", "İ", "Σ"]
    generator = random.Random(11)
    for _ in range(20000):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(0, 7)))
        assert is_question(text) is _question_as_documented(text), text


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("created", "hours", "business", "deadline"),
    [
        (utc(2026, 11, 18, 10), 24, None, utc(2026, 11, 19, 10)),
        # Friday 16:00 Berlin + 2 business hours: one on Friday, one on Monday -> Monday 10:00 Berlin
        (utc(2026, 11, 20, 15), 2, OFFICE, utc(2026, 11, 23, 9)),
        # Saturday: the clock starts on Monday at 09:00
        (utc(2026, 11, 21, 11), 1, OFFICE, utc(2026, 11, 23, 9)),
        # Before opening on Tuesday, exactly one business day
        (utc(2026, 11, 24, 6), 8, OFFICE, utc(2026, 11, 24, 16)),
        # DST ends in Berlin on 2026-10-25 (a 25-hour day): 24 h on the clock or in all-day business hours agree
        (utc(2026, 10, 24, 10), 24, None, utc(2026, 10, 25, 10)),
        (utc(2026, 10, 24, 10), 24, ALWAYS, utc(2026, 10, 25, 10)),
        # DST starts on 2026-03-29: 17:00 Berlin is then 15:00 UTC
        (utc(2026, 3, 28, 16), 8, EVERY_DAY, utc(2026, 3, 29, 15)),
    ],
)
def test_sla_deadline(created: datetime, hours: float, business: BusinessHours | None, deadline: datetime) -> None:
    assert sla_deadline(created, hours, BERLIN, business) == deadline


def test_elapsed_time_counts_only_business_hours_when_configured() -> None:
    friday, monday = utc(2026, 11, 20, 15), utc(2026, 11, 23, 9)
    assert elapsed_seconds(friday, monday, BERLIN, OFFICE) == 2 * 3600
    assert elapsed_seconds(friday, monday, BERLIN, None) == 66 * 3600
    assert elapsed_seconds(monday, friday, BERLIN, OFFICE) == 0.0
