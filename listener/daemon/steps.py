"""How the daemon's pipeline steps last went per profile (score, aggregate, alerts, export).

The daemon imports its steps by name (listener/daemon/service.py) and records each outcome
here, in `pipeline_steps`, where `ror status` and `/metrics` read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from listener.storage.read_tables import PIPELINE_STEPS

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


def failing_steps(engine: Engine) -> list[StepHealth]:
    """Steps whose last run failed, oldest profile name first."""
    table = PIPELINE_STEPS
    with engine.connect() as connection:
        rows = connection.execute(select(table).where(table.c.consecutive_failures > 0)
                                  .order_by(table.c.profile, table.c.step)).all()
    return [StepHealth(r.profile, r.step, r.consecutive_failures, r.last_failed_at, r.last_error) for r in rows]


