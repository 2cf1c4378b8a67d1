"""What makes one demo brand: its account, its customers' texts in their language, its posts and answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Tone = Literal["positive", "neutral", "question", "negative"]


@dataclass(frozen=True, eq=False)
class DemoBrand:
    """A demo brand's account and everything its world says (compared and hashed by identity).

    `language` is what its customers mostly write; `other_languages` is what the rest write
    (`other_share` of customer posts); `no_language_share` of the main-language posts come without
    a platform language, as many clients send them, so the language gate has to decide.
    On a bad day the brand gets `crisis_scale` times its usual talk.
    """

    username: str
    display_name: str
    note: str
    followers: int
    following: int
    hashtag: str
    site: str
    language: str
    news: tuple[str, ...]
    audience_questions: tuple[str, ...]
    incident_posts: tuple[str, ...]
    texts: Mapping[str, tuple[str, ...]]
    incident_complaints: tuple[str, ...]
    brand_answers: Mapping[str, tuple[str, ...]]
    incident_answer: str
    other_languages: Mapping[str, Mapping[str, tuple[str, ...]]]
    extra_tags: tuple[str, ...]
    flourishes: tuple[str, ...]
    blog_path: str
    other_share: float = 0.08
    no_language_share: float = 0.10
    crisis_scale: int = 2  # how many times the usual talk on a bad day
