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


def test_the_migration_keeps_corrections_made_in_the_inbox_before_it_shared_the_table(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect, text

    from listener.storage.engine import make_engine, migrate
    from listener.storage.models import SentimentCorrectionRow
    from tests.migration_config import migration_config

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        command.upgrade(migration_config(connection), "0013")
        connection.execute(text(
            "INSERT INTO inbox_sentiment_corrections (platform, external_id, label, corrected_by, corrected_at) "
            "VALUES ('mastodon', 'only-inbox', 'negative', 'ed', '2026-10-20 09:00:00'), "
            "('mastodon', 'both', 'neutral', 'ed', '2026-10-20 09:00:00')"))
        connection.execute(text(
            "INSERT INTO sentiment_corrections (platform, external_id, label, corrected_by, corrected_at) "
            "VALUES ('mastodon', 'both', 'positive', 'ann', '2026-10-21 09:00:00')"))
    migrate(engine)
    with engine.connect() as connection:
        corrections = table_of(SentimentCorrectionRow)
        rows = connection.execute(select(corrections.c.external_id, corrections.c.label, corrections.c.corrected_by)
                                  .order_by(corrections.c.external_id)).all()
        assert [tuple(r) for r in rows] == [("both", "positive", "ann"), ("only-inbox", "negative", "ed")]
        assert "inbox_sentiment_corrections" not in inspect(connection).get_table_names()
