"""The scorer of each profile: its configured backends plus its applied calibration from the database."""

from __future__ import annotations

from sqlalchemy import Connection, select

from listener.config.settings import ProfileConfig
from listener.storage.models import ProfileRow, SentimentCalibrationRow
from listener.storage.upsert import table_of
from scoring.calibration import Calibration
from scoring.scorer_settings import ScorerSettings
from scoring.sentiment import Scorer


def applied_calibration(connection: Connection, profile_name: str) -> Calibration:
    """The calibration applied to a profile, or none."""
    profiles, calibrations = table_of(ProfileRow), table_of(SentimentCalibrationRow)
    terms = connection.execute(
        select(calibrations.c.terms).join(profiles, profiles.c.id == calibrations.c.profile_id)
        .where(profiles.c.name == profile_name)).scalar()
    return Calibration({str(k): float(v) for k, v in (terms or {}).items()})


_BUILT: dict[str, tuple[ScorerSettings, Calibration, Scorer]] = {}  # profile name -> its scorer last built


def profile_scorer(connection: Connection, profile: ProfileConfig) -> Scorer:
    """The scorer the pipeline uses for `profile`, built again only when its settings or calibration changed.

    A daemon asks for it every poll: building one (the care rules made into a rule book, the patterns' looser
    forms compiled again on their first search) cost about a tenth of a 1,000-item poll's scoring.
    """
    settings, calibration = profile.sentiment.settings(), applied_calibration(connection, profile.name)
    built = _BUILT.get(profile.name)
    if built is None or built[0] != settings or built[1] != calibration:
        built = _BUILT[profile.name] = (settings, calibration, Scorer(settings, calibration))
    return built[2]
