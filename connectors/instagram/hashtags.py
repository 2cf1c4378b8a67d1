"""Instagram's hashtag budget: an account may search at most 30 unique hashtags in any 7 days."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

WEEKLY_UNIQUE_HASHTAGS = 30
WHY = ("Instagram lets one business account search at most 30 unique hashtags in any 7 days "
       "(a hashtag counts for 7 days from its first search)")


def normalise(tag: str) -> str:
    """A hashtag as Instagram compares them: without '#', lower case, trimmed."""
    return tag.strip().removeprefix("#").lower()


def hashtag_budget_problems(sources: Iterable[Any]) -> list[str]:
    """One line per Instagram account whose sources together configure more than 30 unique hashtags."""
    by_account: dict[str, set[str]] = {}
    names: dict[str, list[str]] = {}
    for source in sources:
        if getattr(source, "platform", None) != "instagram" or not source.enabled:
            continue
        by_account.setdefault(source.ig_user_id, set()).update(normalise(t) for t in source.hashtags)
        names.setdefault(source.ig_user_id, []).append(source.name)
    return [f"instagram account {account} ({', '.join(names[account])}): {len(tags)} unique hashtags configured; "
            f"{WHY}: keep at most {WEEKLY_UNIQUE_HASHTAGS}"
            for account, tags in sorted(by_account.items()) if len(tags) > WEEKLY_UNIQUE_HASHTAGS]


def hashtag_budget_notes(sources: Sequence[Any]) -> list[str]:
    """What each Instagram account's hashtags use of the weekly budget, for `ror config check`."""
    by_account: dict[str, set[str]] = {}
    for source in sources:
        if getattr(source, "platform", None) == "instagram" and source.enabled:
            by_account.setdefault(source.ig_user_id, set()).update(normalise(t) for t in source.hashtags)
    return [f"instagram account {account}: {len(tags)} of {WEEKLY_UNIQUE_HASHTAGS} unique hashtags a week in use "
            "(a hashtag you remove still counts for 7 days after its last search)"
            for account, tags in sorted(by_account.items())]
