"""The scorer of each profile: its configured backends plus its applied calibration from the database."""

from __future__ import annotations

from sqlalchemy import Connection, select

from listener.config.settings import ProfileConfig
from listener.storage.models import ProfileRow, SentimentCalibrationRow
from listener.storage.upsert import table_of
from scoring.calibration import Calibration
from scoring.sentiment import Scorer


def applied_calibration(connection: Connection, profile_name: str) -> Calibration:
    """The calibration applied to a profile, or none."""
    profiles, calibrations = table_of(ProfileRow), table_of(SentimentCalibrationRow)
    terms = connection.execute(
        select(calibrations.c.terms).join(profiles, profiles.c.id == calibrations.c.profile_id)
        .where(profiles.c.name == profile_name)).scalar()
    return Calibration({str(k): float(v) for k, v in (terms or {}).items()})


def profile_scorer(connection: Connection, profile: ProfileConfig) -> Scorer:
    """The scorer the pipeline uses for `profile`."""
    return Scorer(profile.sentiment.settings(), applied_calibration(connection, profile.name))
