"""The weekly summary's founders' RoR %: read only for profiles whose CRM or survey data has been imported."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from listener.config.settings import ProfileConfig
from listener.exports.model import FoundersRor, IndexSummary
from listener.read.ror_percent import has_linked_people, ror_percent_as_of


def founders_ror(engine: Engine, profile: ProfileConfig, week_end: datetime, now: datetime,
                 index: IndexSummary) -> FoundersRor | None:
    """The RoR % as it stood at the week's end (or now), beside the social proxy on the week's last index day."""
    if not has_linked_people(engine, profile):
        return None
    summary = ror_percent_as_of(engine, profile, week_end, clock=lambda: now)
    latest = summary["latest"]
    proxy = index.end.components.get("return_rate") if index.end else None
    return FoundersRor(
        month=latest["month"], percent=latest["percent"], helped=latest["helped"], returned=latest["returned"],
        window_start=datetime.fromisoformat(latest["window_start"]),
        window_end=datetime.fromisoformat(latest["window_end"]), linked_people=summary["linked_people"],
        social_answered_people=summary["social_answered_people"],
        social_answered_linked_people=summary["social_answered_linked_people"], social_proxy=proxy)
