"""A sentiment corrected in the dashboard's inbox is the same correction as `ror sentiment set`."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from listener.dashboard.inbox import correct_sentiment
from listener.sentiment.corrections import corrections_for
from listener.storage.models import ProfileRow
from listener.storage.upsert import table_of
from tests.dashboard_seed import seeded_database
from tests.test_export_data import EXPORT_NOW


def test_an_inbox_correction_feeds_the_sentiment_corrections(tmp_path: Path) -> None:
    _, engine = seeded_database(tmp_path, users=False)
    profiles = table_of(ProfileRow)
    with engine.connect() as connection:
        profile_id = connection.execute(select(profiles.c.id).where(profiles.c.name == "acme")).scalar_one()
    correct_sentiment(engine, profile_id, "mastodon", "m:i3", "ed", "neutral", EXPORT_NOW)
    with engine.connect() as connection:
        assert corrections_for(connection, [("mastodon", "m:i3")]) == {("mastodon", "m:i3"): "neutral"}
