"""Per-profile calibration: learn from the profile's corrections, measure on held-back ones, apply on request."""

from __future__ import annotations

from sqlalchemy import Engine, select

from connectors.clock import Clock, utc_now
from listener.sentiment.corrections import profile_corrections
from listener.storage.models import ProfileRow, SentimentCalibrationRow
from listener.storage.upsert import table_of, upsert_rows
from scoring.calibration import Calibration, CalibrationReport, evaluate, learn


def calibration_report(engine: Engine, profile_name: str) -> CalibrationReport:
    """What the profile's corrections teach, and its effect on the held-back quarter of them."""
    with engine.connect() as connection:
        return evaluate(profile_corrections(connection, profile_name))


def apply_calibration(engine: Engine, profile_name: str, *, clock: Clock = utc_now) -> Calibration:
    """Learn from all the profile's corrections and store it; the next scoring run re-scores the profile."""
    with engine.begin() as connection:
        corrections = profile_corrections(connection, profile_name)
        calibration = learn(corrections)
        profile_id = connection.execute(select(table_of(ProfileRow).c.id)
                                        .where(table_of(ProfileRow).c.name == profile_name)).scalar()
        if profile_id is None:
            raise ValueError(f"profile {profile_name!r} has no data yet")
        upsert_rows(connection, SentimentCalibrationRow, [{
            "profile_id": profile_id, "terms": calibration.terms, "trained_on": len(corrections),
            "applied_at": clock()}], ["profile_id"])
    return calibration
