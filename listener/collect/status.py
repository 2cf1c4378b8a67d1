"""What `ror status` reports per source, read from the store."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from listener.config.settings import Config
from listener.redaction import redact_optional
from listener.storage.read_tables import DAEMON_STATE, ITEM_PROFILES, QUARANTINE, SOURCE_HEALTH, SYNC_CURSORS, SYNC_RUNS

STATE_BY_RUN = {"ok": "healthy", "partial": "degraded", "deferred": "degraded", "failed": "down"}
# A run still going, or one a stop or a crash cut short, says nothing yet about health: the
# state comes from the last run that finished, and `syncing` says one is in progress.
NOT_A_VERDICT = ("running", "interrupted")
TIMES = ("last_run_at", "last_success_at", "next_run_at", "quota_reset_at")


@dataclass
class RunCounts:
    """What the last finished run of a source set aside, skipped by a rule and could not read, per stream."""

    status: str
    quarantined: int = 0
    skipped: int = 0
    unexpanded: int = 0
    partial_reasons: list[str] = field(default_factory=list)  # "quarantined", "not read", "stream failed"
    streams: dict[str, Any] = field(default_factory=dict)


def partial_reasons(status: str, quarantined: int, unexpanded: int, streams: dict[str, Any]) -> list[str]:
    """Why a run is partial, as short words a metric label can carry."""
    if status != "partial":
        return []
    reasons = [word for word, count in (("quarantined", quarantined), ("not read", unexpanded)) if count]
    if any(isinstance(counts, dict) and counts.get("failed") for counts in streams.values()):
        reasons.append("stream failed")
    return reasons


def run_counts(row: Any) -> RunCounts:
    """The counts of one sync_runs row."""
    streams = dict(row.streams or {})
    return RunCounts(row.status, row.quarantined or 0, row.skipped or 0, row.unexpanded or 0,
                     partial_reasons(row.status, row.quarantined or 0, row.unexpanded or 0, streams), streams)


@dataclass
class SourceStatus:
    """Health of one source."""

    source: str
    profile: str
    platform: str
    enabled: bool
    state: str = "never run"
    last_run_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    items: int = 0
    quarantined: int = 0
    last_quarantine_error: str | None = None
    last_run: RunCounts | None = None
    cursors: dict[str, str] = field(default_factory=dict)
    syncing: bool = False
    next_run_at: datetime | None = None
    consecutive_failures: int = 0
    quota_remaining: float | None = None
    quota_limit: float | None = None
    quota_reset_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict with ISO timestamps."""
        data = asdict(self)
        for key in TIMES:
            data[key] = data[key].isoformat() if data[key] else None
        return data


def source_statuses(engine: Engine, config: Config, *, count_items: bool = True) -> list[SourceStatus]:
    """One status per configured source, in config order (`count_items=False` skips counting each source's
    items, the one figure whose cost grows with the history; `items` is then -1)."""
    runs, links, cursors, quarantine = SYNC_RUNS, ITEM_PROFILES, SYNC_CURSORS, QUARANTINE
    statuses = []
    with engine.connect() as connection:
        for profile, source in config.sources():
            status = SourceStatus(source.name, profile.name, source.platform, source.enabled)
            last = connection.execute(
                select(runs).where(runs.c.source == source.name).order_by(runs.c.id.desc()).limit(1)
            ).first()
            if last is not None:
                status.state = STATE_BY_RUN.get(last.status, last.status)
                status.last_run_at = last.ended_at or last.started_at
                status.last_error = last.error
                status.last_run = run_counts(last)
            if last is not None and last.status in NOT_A_VERDICT:
                status.syncing = last.status == "running"
                verdict = connection.execute(
                    select(runs).where(runs.c.source == source.name, runs.c.status.not_in(NOT_A_VERDICT))
                    .order_by(runs.c.id.desc()).limit(1)
                ).first()
                status.state = STATE_BY_RUN.get(verdict.status, verdict.status) if verdict else "never run"
                status.last_error = verdict.error if verdict else None
                status.last_run = run_counts(verdict) if verdict else None
            status.last_error = redact_optional(status.last_error)  # rows written before redaction was complete
            _add_daemon_view(connection, status)
            status.last_success_at = connection.execute(
                select(func.max(runs.c.ended_at)).where(runs.c.source == source.name, runs.c.status == "ok")
            ).scalar_one_or_none()
            status.items = connection.execute(
                select(func.count()).select_from(links).where(links.c.source == source.name)
            ).scalar_one() if count_items else -1
            unresolved = (quarantine.c.source == source.name, quarantine.c.resolved_at.is_(None))
            status.quarantined = connection.execute(
                select(func.count()).select_from(quarantine).where(*unresolved)
            ).scalar_one()
            status.last_quarantine_error = connection.execute(
                select(quarantine.c.error).where(*unresolved)
                .order_by(quarantine.c.first_seen_at.desc(), quarantine.c.id.desc()).limit(1)
            ).scalar_one_or_none()
            status.cursors = dict(connection.execute(
                select(cursors.c.stream, cursors.c.cursor).where(cursors.c.source == source.name)
            ).all())
            statuses.append(status)
    return statuses


def _add_daemon_view(connection: Any, status: SourceStatus) -> None:
    """Next run, failures in a row and quota, as the daemon (`ror run`) last saved them."""
    health = SOURCE_HEALTH
    row = connection.execute(select(health).where(health.c.source == status.source)).first()
    if row is not None:
        status.next_run_at = row.next_run_at
        status.consecutive_failures = row.consecutive_failures
        status.quota_remaining, status.quota_limit = row.quota_remaining, row.quota_limit
        status.quota_reset_at = row.quota_reset_at


def shown_state(status: SourceStatus) -> str:
    """The state as the status table shows it: 'disabled', or e.g. 'healthy, syncing'."""
    if not status.enabled:
        return "disabled"
    return status.state + (", syncing" if status.syncing else "")


def run_losses(status: SourceStatus) -> str:
    """'3 / 0': records the last run skipped by a rule and parts it could not read, or '-'."""
    run = status.last_run
    return f"{run.skipped} / {run.unexpanded}" if run is not None else "-"


def quota_left(status: SourceStatus) -> str:
    """'41/300' requests left in the credential's window, or '-'."""
    if status.quota_remaining is None:
        return "-"
    limit = f"/{status.quota_limit:g}" if status.quota_limit is not None else ""
    return f"{status.quota_remaining:g}{limit}"


def daemon_caption(engine: Engine) -> str:
    """One line on the last `ror run` of this database (facts only: a killed daemon cannot say so)."""
    state = DAEMON_STATE
    with engine.connect() as connection:
        row = connection.execute(select(state)).first()
    if row is None:
        return "daemon: never run on this database (start it with `ror run`)"
    started = row.started_at.strftime("%Y-%m-%d %H:%M UTC")
    if row.stopped_at is not None:
        return (f"daemon: stopped {row.stopped_at:%Y-%m-%d %H:%M UTC} "
                f"(pid {row.pid} on {row.hostname}, started {started})")
    health = f", health {row.health_url}/status" if row.health_url else ""
    return (f"daemon: pid {row.pid} on {row.hostname}, started {started}, "
            f"last heartbeat {row.heartbeat_at:%Y-%m-%d %H:%M:%S UTC}{health}")
