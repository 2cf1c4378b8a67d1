"""How the daemon's pipeline steps last went per profile (score, aggregate, alerts, export).

The daemon imports its steps by name (listener/daemon/service.py) and records each outcome
here, in `pipeline_steps`, where `ror status` and `/metrics` read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from listener.storage.reader import reader_of, utc_time

if TYPE_CHECKING:
    from sqlalchemy import Engine

STEPS = ("score", "aggregate", "alerts", "export")
ERROR_CHARS = 500

@dataclass(frozen=True)
class StepHealth:
    """A profile's step that failed its last run(s)."""

    profile: str
    step: str
    consecutive_failures: int
    last_failed_at: datetime | None
    last_error: str | None


def record_step(engine: Engine, profile: str, step: str, now: datetime, error: str | None = None) -> None:
    """Store that `step` of `profile` just succeeded (error None) or failed with `error`."""
    from sqlalchemy import select

    from listener.storage.daemon_models import PipelineStepRow  # the daemon writes; `ror status` only reads
    from listener.storage.upsert import table_of, upsert_rows

    table = table_of(PipelineStepRow)
    with engine.begin() as connection:
        before = connection.execute(select(table.c.consecutive_failures).where(
            table.c.profile == profile, table.c.step == step)).scalar_one_or_none() or 0
        row: dict[str, object] = {"profile": profile, "step": step}
        if error is None:
            row |= {"consecutive_failures": 0, "last_ok_at": now}
        else:
            row |= {"consecutive_failures": before + 1, "last_failed_at": now, "last_error": error[:ERROR_CHARS]}
        upsert_rows(connection, PipelineStepRow, [row], ["profile", "step"],
                    [k for k in row if k not in ("profile", "step")])


FAILING_STEPS = ("SELECT profile, step, consecutive_failures, last_failed_at, last_error FROM pipeline_steps "
                 "WHERE consecutive_failures > 0 ORDER BY profile, step")


def failing_steps(source: Any) -> list[StepHealth]:
    """Steps whose last run failed, oldest profile name first (`source`: an engine or a Reader)."""
    return [StepHealth(profile, step, failures, utc_time(failed_at), error)
            for profile, step, failures, failed_at, error in reader_of(source).rows(FAILING_STEPS)]
