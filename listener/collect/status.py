"""What `ror status` reports per source, read from the store."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from listener.config.settings import Config
from listener.redaction import redact_optional
from listener.storage.reader import Reader, json_value, reader_of, reading, utc_time

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
    """The counts of one sync_runs row (or a LastRun)."""
    streams = dict(row.streams or {})
    return RunCounts(row.status, row.quarantined or 0, row.skipped or 0, row.unexpanded or 0,
                     partial_reasons(row.status, row.quarantined or 0, row.unexpanded or 0, streams), streams)


@dataclass(frozen=True)
class LastRun:
    """What `ror status` reads of a source's run."""

    status: str
    started_at: datetime | None
    ended_at: datetime | None
    error: str | None
    quarantined: int | None
    skipped: int | None
    unexpanded: int | None
    streams: Any


RUN_COLUMNS = "status, started_at, ended_at, error, quarantined, skipped, unexpanded, streams"
LAST_RUN = f"SELECT {RUN_COLUMNS} FROM sync_runs WHERE source = :source ORDER BY id DESC LIMIT 1"
LAST_VERDICT = (f"SELECT {RUN_COLUMNS} FROM sync_runs WHERE source = :source "
                "AND status NOT IN ('running', 'interrupted') ORDER BY id DESC LIMIT 1")
LAST_SUCCESS = "SELECT max(ended_at) FROM sync_runs WHERE source = :source AND status = 'ok'"
ITEM_COUNT = "SELECT count(*) FROM item_profiles WHERE source = :source"
UNRESOLVED = "FROM quarantine WHERE source = :source AND resolved_at IS NULL"
QUARANTINE_COUNT = f"SELECT count(*) {UNRESOLVED}"
LAST_QUARANTINE_ERROR = f"SELECT error {UNRESOLVED} ORDER BY first_seen_at DESC, id DESC LIMIT 1"
CURSORS = "SELECT stream, cursor FROM sync_cursors WHERE source = :source"
SOURCE_HEALTH = ("SELECT next_run_at, consecutive_failures, quota_remaining, quota_limit, quota_reset_at "
                 "FROM daemon_source_health WHERE source = :source")
DAEMON_STATE = "SELECT pid, hostname, started_at, heartbeat_at, stopped_at, health_url FROM daemon_state"


def last_run(reader: Reader, sql: str, source: str) -> LastRun | None:
    """The source's latest run the query picks, decoded."""
    found = reader.rows(sql, {"source": source})
    if not found:
        return None
    status, started, ended, error, quarantined, skipped, unexpanded, streams = found[0]
    return LastRun(status, utc_time(started), utc_time(ended), error, quarantined, skipped, unexpanded,
                   json_value(streams))


def first_value(reader: Reader, sql: str, source: str) -> Any:
    """The first column of the query's first row, or None."""
    found = reader.rows(sql, {"source": source})
    return found[0][0] if found else None


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


def source_statuses(source: Any, config: Config, *, count_items: bool = True) -> list[SourceStatus]:
    """One status per configured source, in config order (`count_items=False` skips counting each source's
    items, the one figure whose cost grows with the history; `items` is then -1). `source`: an engine or Reader."""
    with reading(source) as reader:
        return [_source_status(reader, profile.name, settings, count_items) for profile, settings in config.sources()]


def _source_status(reader: Reader, profile: str, settings: Any, count_items: bool) -> SourceStatus:
    """The status of one configured source."""
    name = settings.name
    status = SourceStatus(name, profile, settings.platform, settings.enabled)
    last = last_run(reader, LAST_RUN, name)
    if last is not None:
        status.state = STATE_BY_RUN.get(last.status, last.status)
        status.last_run_at = last.ended_at or last.started_at
        status.last_error = last.error
        status.last_run = run_counts(last)
    if last is not None and last.status in NOT_A_VERDICT:
        status.syncing = last.status == "running"
        verdict = last_run(reader, LAST_VERDICT, name)
        status.state = STATE_BY_RUN.get(verdict.status, verdict.status) if verdict else "never run"
        status.last_error = verdict.error if verdict else None
        status.last_run = run_counts(verdict) if verdict else None
    status.last_error = redact_optional(status.last_error)  # rows written before redaction was complete
    _add_daemon_view(reader, status)
    status.last_success_at = utc_time(first_value(reader, LAST_SUCCESS, name))
    status.items = first_value(reader, ITEM_COUNT, name) if count_items else -1
    status.quarantined = first_value(reader, QUARANTINE_COUNT, name)
    status.last_quarantine_error = first_value(reader, LAST_QUARANTINE_ERROR, name)
    status.cursors = dict(reader.rows(CURSORS, {"source": name}))
    return status


def _add_daemon_view(reader: Reader, status: SourceStatus) -> None:
    """Next run, failures in a row and quota, as the daemon (`ror run`) last saved them."""
    found = reader.rows(SOURCE_HEALTH, {"source": status.source})
    if found:
        next_run_at, failures, remaining, limit, reset_at = found[0]
        status.next_run_at = utc_time(next_run_at)
        status.consecutive_failures = failures
        status.quota_remaining, status.quota_limit = remaining, limit
        status.quota_reset_at = utc_time(reset_at)


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


def daemon_caption(source: Any) -> str:
    """One line on the last `ror run` of this database (facts only: a killed daemon cannot say so)."""
    found = reader_of(source).rows(DAEMON_STATE)
    if not found:
        return "daemon: never run on this database (start it with `ror run`)"
    pid, hostname, started_at, heartbeat_at, stopped_at, health_url = found[0]
    started = utc_time(started_at).strftime("%Y-%m-%d %H:%M UTC")
    if stopped_at is not None:
        return (f"daemon: stopped {utc_time(stopped_at):%Y-%m-%d %H:%M UTC} "
                f"(pid {pid} on {hostname}, started {started})")
    health = f", health {health_url}/status" if health_url else ""
    return (f"daemon: pid {pid} on {hostname}, started {started}, "
            f"last heartbeat {utc_time(heartbeat_at):%Y-%m-%d %H:%M:%S UTC}{health}")
