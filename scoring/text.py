"""Social-text clean-up: turn what people post into what a sentiment lexicon can read."""

from __future__ import annotations

import html
import re

# A URL ends before trailing punctuation, so "see https://x.example!" keeps its "!".
_URL = re.compile(r"(?:https?://|www\.)\S*[^\s!?.,;:)\]}'\"]", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@[\w.\-]+(?:@[\w.\-]+)?")
_HASHTAG = re.compile(r"(?<!\w)#(\w+)")
# A handle becomes "@_": no letters for the lexicon or the language detector, but still a word, so an
# ALL-CAPS message keeps VADER's caps emphasis (it needs some words that are not in capitals). Not a bare
# "@": "@:" is an emoticon in VADER's lexicon.
HANDLE_MARK = "@_"
SHORT_HASHTAG = 2  # "#FF", "#ad": tags this short are codes, not words ("ff" is a lexicon word)


def _hashtag_word(match: re.Match[str]) -> str:
    word = match.group(1)
    return " " if len(word) <= SHORT_HASHTAG else word


def clean_for_sentiment(text: str) -> str:
    """Drop URLs, mark @handles, keep hashtag words (not short codes), decode entities, collapse spaces."""
    # Each step runs only when its trigger is in the text; `has_markup` names the same triggers (a new step adds
    # its trigger there too, or the question rule would read such a text uncleaned).
    if "&" in text:
        text = html.unescape(text)
    if "://" in text or "www." in text.lower():
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _HANDLE.sub(HANDLE_MARK, text)
    if "#" in text:
        text = _HASHTAG.sub(_hashtag_word, text)
    text = " ".join(text.split())  # the same as collapsing r"\s+" and stripping, for every code point
    return "" if text.strip(HANDLE_MARK + " ") == "" else text


def has_markup(text: str) -> bool:
    """Whether `clean_for_sentiment` has anything to drop or mark: without, it only collapses the spaces
    (and gives "" for a text of nothing but spaces and underscores)."""
    return "&" in text or "@" in text or "#" in text or "://" in text or "www." in text.lower()
