"""The demo's alert checks: run them at every window end of the replayed weeks, as the daemon would have."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import Engine, select

from connectors.clock import Clock
from listener.alerts import evaluate_alerts
from listener.config.settings import Config
from listener.storage.alert_models import AlertRow
from listener.storage.upsert import table_of

CHECK_EVERY = timedelta(hours=6)  # the shortest alert window: every window is checked right after it closes


def _fixed(moment: datetime) -> Clock:
    """A clock that always says `moment`."""
    return lambda: moment


def replay_alert_checks(engine: Engine, config: Config, now: datetime, days: int) -> list[str]:
    """Evaluate the detectors at each 6-hour boundary of the last `days` local days; the titles of what fired.

    A demo replays weeks of history in a minute, so the daemon never ran while the crisis
    unfolded; this runs its checks at the moments it would have, storing the alerts (no
    channel is configured, so nothing is sent).
    """
    for profile in config.profiles:
        midnight = datetime.combine((now.astimezone(profile.zone) - timedelta(days=days)).date(), time.min,
                                    profile.zone)
        moment = midnight
        while moment <= now:
            evaluate_alerts(engine, config.model_copy(update={"profiles": [profile]}), _fixed(moment))
            moment += CHECK_EVERY
    alerts = table_of(AlertRow)
    with engine.connect() as connection:
        return list(connection.execute(select(alerts.c.title).order_by(alerts.c.observed_at)).scalars())
