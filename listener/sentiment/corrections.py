"""Corrections: a person's verdict on an item's sentiment, stored with who and when, and winning everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, Select, bindparam, delete, select

from connectors.clock import Clock, utc_now
from listener.storage.id_lists import in_ids
from listener.storage.models import ItemProfileRow, ItemRow, ProfileRow, SentimentCorrectionRow, SentimentRow
from listener.storage.upsert import table_of, upsert_rows
from scoring.calibration import Correction
from scoring.sentiment import SCORER_VERSION

LABELS = ("positive", "neutral", "negative")
CORRECTION_BACKEND = "correction"
COMPOUNDS = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}
CORRECTIONS, SCORES, ITEMS = table_of(SentimentCorrectionRow), table_of(SentimentRow), table_of(ItemRow)


class CorrectionError(ValueError):
    """An item or label that cannot be corrected."""


@dataclass(frozen=True)
class CorrectionResult:
    """What was stored: the item, the label, who, when, and what the scorer had said."""

    platform: str
    external_id: str
    label: str
    corrected_by: str
    corrected_at: datetime
    scored_compound: float | None


def correction_compound(label: str) -> float:
    """The compound a correction stands for: +1, 0 or -1."""
    return COMPOUNDS[label]


def parse_item(reference: str) -> tuple[str, str]:
    """'platform:external_id' -> (platform, external_id)."""
    platform, sep, external_id = reference.partition(":")
    if not sep or not platform or not external_id:
        raise CorrectionError(f"item {reference!r}: expected PLATFORM:ID, for example mastodon:11223344")
    return platform, external_id


def any_corrections(connection: Connection) -> bool:
    """Whether any item has a correction (most databases have none: then no item needs looking up)."""
    return connection.execute(_ANY_CORRECTION).first() is not None


_ANY_CORRECTION = select(CORRECTIONS.c.id).limit(1)


def corrections_for(connection: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The correction labels of the given (platform, external_id) keys that have one."""
    by_platform: dict[str, list[str]] = {}
    for platform, external_id in keys:
        by_platform.setdefault(platform, []).append(external_id)
    query = _corrections_query(connection.dialect.name)
    found: dict[tuple[str, str], str] = {}
    for platform, ids in by_platform.items():
        found.update({(platform, r.external_id): r.label
                      for r in connection.execute(query, {"platform": platform, "ids": ids})})
    return found


@lru_cache(maxsize=4)
def _corrections_query(dialect: str) -> Select[Any]:
    """The labels of one platform's listed ids (the list bound as one parameter: one compiled statement)."""
    return (select(CORRECTIONS.c.external_id, CORRECTIONS.c.label)
            .where(CORRECTIONS.c.platform == bindparam("platform"), in_ids(CORRECTIONS.c.external_id, dialect)))


def set_correction(engine: Engine, reference: str, label: str, who: str, *, clock: Clock = utc_now) -> CorrectionResult:
    """Store a correction and make it the item's current score (a new score row, so the index sees it)."""
    if label not in LABELS:
        raise CorrectionError(f"label {label!r}: expected one of {', '.join(LABELS)}")
    platform, external_id = parse_item(reference)
    now = clock()
    with engine.begin() as connection:
        if connection.execute(select(ITEMS.c.id).where(ITEMS.c.platform == platform,
                                                       ITEMS.c.external_id == external_id)).first() is None:
            raise CorrectionError(f"item {reference!r} is not in the database")
        current = connection.execute(select(SCORES).where(
            SCORES.c.platform == platform, SCORES.c.external_id == external_id,
            SCORES.c.scorer_version == SCORER_VERSION)).first()
        previous = connection.execute(select(CORRECTIONS).where(
            CORRECTIONS.c.platform == platform, CORRECTIONS.c.external_id == external_id)).first()
        scored, backend = _what_scorer_said(current, previous)
        upsert_rows(connection, SentimentCorrectionRow, [{
            "platform": platform, "external_id": external_id, "label": label, "scored_compound": scored,
            "scored_backend": backend, "corrected_by": who, "corrected_at": now}], ["platform", "external_id"])
        _replace_score(connection, current, platform, external_id, label, now)
    return CorrectionResult(platform, external_id, label, who, now, scored)


def _what_scorer_said(current: Any, previous: Any) -> tuple[float | None, str | None]:
    if previous is not None:
        return previous.scored_compound, previous.scored_backend
    if current is None:
        return None, None
    return current.compound, current.backend


def _replace_score(connection: Connection, current: Any, platform: str, external_id: str, label: str,
                   now: datetime) -> None:
    connection.execute(delete(SCORES).where(SCORES.c.platform == platform, SCORES.c.external_id == external_id,
                                            SCORES.c.scorer_version == SCORER_VERSION))
    connection.execute(SCORES.insert().values(
        platform=platform, external_id=external_id, scorer_version=SCORER_VERSION, status="scored",
        compound=correction_compound(label), language=current.language if current is not None else None,
        language_source=current.language_source if current is not None else "uncertain", scored_at=now,
        backend=CORRECTION_BACKEND, scorer=current.scorer if current is not None else None))


def profile_corrections(connection: Connection, profile_name: str) -> list[Correction]:
    """The corrections of a profile's items that have a scorer verdict to learn from, oldest first."""
    links, profiles = table_of(ItemProfileRow), table_of(ProfileRow)
    rows = connection.execute(
        select(CORRECTIONS.c.platform, CORRECTIONS.c.external_id, CORRECTIONS.c.label,
               CORRECTIONS.c.scored_compound, ITEMS.c.text)
        .join(ITEMS, (ITEMS.c.platform == CORRECTIONS.c.platform) & (ITEMS.c.external_id == CORRECTIONS.c.external_id))
        .join(links, (links.c.platform == ITEMS.c.platform) & (links.c.external_id == ITEMS.c.external_id))
        .join(profiles, profiles.c.id == links.c.profile_id)
        .where(profiles.c.name == profile_name, CORRECTIONS.c.scored_compound.is_not(None))
        .order_by(CORRECTIONS.c.corrected_at, CORRECTIONS.c.id))
    return [Correction(f"{r.platform}:{r.external_id}", r.text or "", r.scored_compound, r.label) for r in rows]
