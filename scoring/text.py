"""Social-text clean-up: turn what people post into what a sentiment lexicon can read."""

from __future__ import annotations

import html
import re

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@[\w.\-]+(?:@[\w.\-]+)?")
_HASHTAG = re.compile(r"(?<!\w)#(\w+)")
_SPACE = re.compile(r"\s+")


def clean_for_sentiment(text: str) -> str:
    """Drop URLs and @handles, keep hashtag words, decode entities, collapse spaces."""
    text = html.unescape(text)
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _HASHTAG.sub(r"\1", text)
    return _SPACE.sub(" ", text).strip()
