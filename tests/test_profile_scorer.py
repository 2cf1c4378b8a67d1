"""A profile's scorer is built once per process and built again when its settings or calibration change."""

from __future__ import annotations

from pathlib import Path

from bench.corpus import NOW, PROFILE
from listener.config.settings import Config
from listener.sentiment.scorers import profile_scorer
from listener.storage.engine import open_database
from listener.storage.models import SentimentCalibrationRow
from listener.storage.store import ensure_profile
from listener.storage.upsert import upsert_rows


def test_the_scorer_is_kept_until_its_settings_or_calibration_change(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'scorer.db'}")
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, PROFILE.name, PROFILE.timezone)
        first = profile_scorer(connection, PROFILE)
        assert profile_scorer(connection, PROFILE) is first  # a daemon's next poll: nothing to build

        upsert_rows(connection, SentimentCalibrationRow, [{"profile_id": profile_id, "applied_at": NOW,
                                                           "terms": {"slow": -0.2}}], ["profile_id"])
        calibrated = profile_scorer(connection, PROFILE)
        assert calibrated is not first and calibrated.calibration.terms == {"slow": -0.2}
        assert calibrated.identity != first.identity
        assert profile_scorer(connection, PROFILE) is calibrated

        dutch = Config.model_validate({"profiles": [{"name": PROFILE.name, "timezone": PROFILE.timezone,
                                                     "sentiment": {"default_language": "nl"}}]}).profiles[0]
        rebuilt = profile_scorer(connection, dutch)
        assert rebuilt is not calibrated and rebuilt.settings.default_language == "nl"
        assert rebuilt.calibration.terms == {"slow": -0.2}
    engine.dispose()
