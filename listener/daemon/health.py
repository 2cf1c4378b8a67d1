"""Health of the daemon: run records, per-source schedule and quota rows, Prometheus metrics, a loopback endpoint.

The endpoint serves `/status` (the same JSON as `ror status --json`), `/metrics`
(Prometheus text) and `/healthz`. Metric labels are bounded: source and credential names
come from the config, states and run outcomes from fixed lists, and no error text or
item data ever becomes a label.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, select, update

from listener.collect.budget import QuotaSnapshot
from listener.collect.status import SourceStatus
from listener.collect.sync import SyncResult
from listener.redaction import redact_json
from listener.storage.daemon_models import DaemonStateRow, SourceHealthRow
from listener.storage.models import SyncRunRow
from listener.storage.upsert import table_of, upsert_rows

if TYPE_CHECKING:
    from listener.daemon.steps import StepHealth

log = logging.getLogger("ror.daemon")
STATES = ("healthy", "degraded", "down")
RUN_OUTCOMES = ("ok", "partial", "failed", "deferred", "interrupted")
INTERRUPTED = "interrupted: the daemon stopped or died before this sync finished; the next one resumes from the cursor"
StatusProvider = Callable[[], list[SourceStatus]]


@dataclass(frozen=True)
class SourceHealth:
    """What the daemon saves about a source after each run."""

    source: str
    consecutive_failures: int
    next_run_at: datetime | None
    quota: QuotaSnapshot | None


def record_failed_run(engine: Engine, source: str, error: str, now: datetime) -> SyncResult:
    """A run that could not start (a secret's variable is unset): stored like any failed sync."""
    with engine.begin() as connection:
        connection.execute(table_of(SyncRunRow).insert().values(
            source=source, started_at=now, ended_at=now, status="failed", error=error))
    return SyncResult(source, status="failed", errors=[error])


def mark_interrupted(engine: Engine, now: datetime, source: str | None = None) -> int:
    """Close runs still marked running (by a stop, or a crash before this start); returns how many."""
    return close_running_runs(engine, now, source, "interrupted", INTERRUPTED)


def close_running_runs(engine: Engine, now: datetime, source: str | None, status: str, error: str) -> int:
    """Give runs still marked running (of one source, or all) an end, a status and an error."""
    runs = table_of(SyncRunRow)
    query = update(runs).where(runs.c.status == "running")
    if source is not None:
        query = query.where(runs.c.source == source)
    with engine.begin() as connection:
        return connection.execute(query.values(status=status, ended_at=now, error=error)).rowcount


def save_source_health(engine: Engine, health: SourceHealth, now: datetime) -> None:
    """Upsert a source's schedule, failure count and quota."""
    quota = health.quota
    row = {"source": health.source, "consecutive_failures": health.consecutive_failures,
           "next_run_at": health.next_run_at, "updated_at": now,
           "quota_credential": quota.credential if quota else None,
           "quota_remaining": quota.remaining if quota else None,
           "quota_limit": quota.limit if quota else None,
           "quota_reset_at": quota.reset_at if quota else None}
    with engine.begin() as connection:
        upsert_rows(connection, SourceHealthRow, [row], ["source"], [k for k in row if k != "source"])


def load_failure_counts(engine: Engine) -> dict[str, int]:
    """Consecutive failures per source, as the last daemon left them."""
    table = table_of(SourceHealthRow)
    with engine.connect() as connection:
        return dict(connection.execute(select(table.c.source, table.c.consecutive_failures)).all())


def clear_next_runs(engine: Engine) -> None:
    """No daemon, no next run: called on a clean stop."""
    with engine.begin() as connection:
        connection.execute(update(table_of(SourceHealthRow)).values(next_run_at=None))


def save_daemon_state(engine: Engine, values: dict[str, Any]) -> None:
    """Upsert the daemon's own row at start (pid, host, start, heartbeat, health URL)."""
    row = {"name": "daemon", **values}
    with engine.begin() as connection:
        upsert_rows(connection, DaemonStateRow, [row], ["name"], [k for k in row if k != "name"])


def update_daemon_state(engine: Engine, values: dict[str, Any]) -> None:
    """Change some columns of the daemon's row (heartbeat, stop time)."""
    table = table_of(DaemonStateRow)
    with engine.begin() as connection:
        connection.execute(update(table).where(table.c.name == "daemon").values(**values))


def load_daemon_state(engine: Engine) -> dict[str, Any] | None:
    """The daemon's row, or None if no daemon ever ran on this database."""
    with engine.connect() as connection:
        row = connection.execute(select(table_of(DaemonStateRow))).mappings().first()
    return dict(row) if row else None


class _StatusCollector(Collector):
    """Gauges read from the store at scrape time, so they match `ror status` and survive restarts."""

    def __init__(self, statuses: StatusProvider, quotas: Callable[[], list[QuotaSnapshot]],
                 steps: Callable[[], list[StepHealth]]) -> None:
        self.statuses = statuses
        self.quotas = quotas
        self.steps = steps

    def collect(self) -> Iterator[GaugeMetricFamily]:
        state = GaugeMetricFamily("ror_source_state", "1 for the source's current state", labels=["source", "state"])
        items = GaugeMetricFamily("ror_source_items", "Items stored for the source", labels=["source"])
        success = GaugeMetricFamily("ror_source_last_success_timestamp_seconds", "End of the last ok sync",
                                    labels=["source"])
        upcoming = GaugeMetricFamily("ror_source_next_run_timestamp_seconds", "Next scheduled sync", labels=["source"])
        failures = GaugeMetricFamily("ror_source_consecutive_failures", "Failed syncs in a row", labels=["source"])
        losses = _LossGauges()
        for s in self.statuses():
            losses.add(s)
            for name in STATES:
                state.add_metric([s.source, name], 1.0 if s.state == name else 0.0)
            items.add_metric([s.source], s.items)
            failures.add_metric([s.source], s.consecutive_failures)
            if s.last_success_at:
                success.add_metric([s.source], s.last_success_at.timestamp())
            if s.next_run_at:
                upcoming.add_metric([s.source], s.next_run_at.timestamp())
        remaining = GaugeMetricFamily("ror_quota_remaining", "Requests left in the credential's window",
                                      labels=["credential"])
        for quota in self.quotas():
            if quota.remaining is not None:
                remaining.add_metric([quota.credential], quota.remaining)
        broken = GaugeMetricFamily("ror_pipeline_step_consecutive_failures",
                                   "Failed runs in a row of a profile's score, aggregate, alerts or export step",
                                   labels=["profile", "step"])
        for step in self.steps():
            broken.add_metric([step.profile, step.step], step.consecutive_failures)
        yield from (state, items, success, upcoming, failures, remaining, broken, *losses.families())


class _LossGauges:
    """What sources set aside or could not read: quarantine totals and the last finished run's counts."""

    def __init__(self) -> None:
        self.quarantined = GaugeMetricFamily("ror_source_quarantined", "Records kept in quarantine for the source",
                                             labels=["source"])
        self.run_quarantined = GaugeMetricFamily("ror_source_last_run_quarantined",
                                                 "Records the last finished sync quarantined", labels=["source"])
        self.skipped = GaugeMetricFamily("ror_source_last_run_skipped", "Records the last finished sync left out by "
                                         "a rule (deleted, too old, a boost, ...)", labels=["source", "stream", "rule"])
        self.unexpanded = GaugeMetricFamily("ror_source_last_run_unexpanded",
                                            "Parts (comment stubs, threads) the last finished sync could not read",
                                            labels=["source"])
        self.partial = GaugeMetricFamily("ror_source_last_run_partial", "1 when the last finished sync was partial, "
                                         "per reason (quarantined, not read, stream failed)",
                                         labels=["source", "reason"])

    def add(self, status: SourceStatus) -> None:
        """The gauges of one source."""
        self.quarantined.add_metric([status.source], status.quarantined)
        run = status.last_run
        if run is None:
            return
        self.run_quarantined.add_metric([status.source], run.quarantined)
        self.unexpanded.add_metric([status.source], run.unexpanded)
        for stream, counts in run.streams.items():
            for rule, count in (counts.get("skipped") or {}).items():
                self.skipped.add_metric([status.source, stream, rule], count)
        for reason in run.partial_reasons:
            self.partial.add_metric([status.source, reason], 1.0)

    def families(self) -> tuple[GaugeMetricFamily, ...]:
        """Every gauge family, for the collector to yield."""
        return (self.quarantined, self.run_quarantined, self.skipped, self.unexpanded, self.partial)


class DaemonMetrics:
    """The daemon's Prometheus metrics, in a private registry (several daemons can live in one test process)."""

    def __init__(self, statuses: StatusProvider, quotas: Callable[[], list[QuotaSnapshot]],
                 steps: Callable[[], list[StepHealth]] = list) -> None:
        self.registry = CollectorRegistry()
        self.runs = Counter("ror_sync_runs", "Syncs run by this daemon, by outcome", ["source", "outcome"],
                            registry=self.registry)
        self.collected = Counter("ror_items_collected", "Items stored by this daemon's syncs", ["source"],
                                 registry=self.registry)
        self.duration = Histogram("ror_sync_duration_seconds", "Wall time of one source's sync", ["source"],
                                  buckets=(1, 5, 15, 60, 300, 900, 3600), registry=self.registry)
        self.scored = Counter("ror_items_scored", "Items scored by this daemon", registry=self.registry)
        self.running = Gauge("ror_jobs_running", "Jobs running now", registry=self.registry)
        self.started = Gauge("ror_daemon_start_time_seconds", "When this daemon started", registry=self.registry)
        self.steps = Counter("ror_pipeline_steps", "Pipeline steps run by this daemon, by step and outcome",
                             ["step", "outcome"], registry=self.registry)
        self.registry.register(_StatusCollector(statuses, quotas, steps))

    def observe_step(self, step: str, outcome: str) -> None:
        """Count one run of a pipeline step (score, aggregate, alerts, export)."""
        self.steps.labels(step, outcome).inc()

    def observe_run(self, source: str, outcome: str, items: int, seconds: float) -> None:
        """Count one finished sync."""
        self.runs.labels(source, outcome if outcome in RUN_OUTCOMES else "failed").inc()
        self.collected.labels(source).inc(items)
        self.duration.labels(source).observe(seconds)

    def forget_source(self, source: str) -> None:
        """Drop a removed source's series (keeps the label set bounded across reloads)."""
        for outcome in RUN_OUTCOMES:
            _remove(self.runs, source, outcome)
        _remove(self.collected, source)
        _remove(self.duration, source)

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)


def _remove(metric: Any, *labels: str) -> None:
    try:
        metric.remove(*labels)
    except KeyError:
        pass


CONNECTION_TIMEOUT_SECONDS = 5.0  # an idle or trickling client is dropped after this
MAX_CONNECTIONS = 16  # open connections at once; more are closed at once (scrapers need one or two)
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


class _BoundedServer(ThreadingHTTPServer):
    """A threading server that holds at most `max_connections` connections (and threads) at once."""

    daemon_threads = True
    max_connections = MAX_CONNECTIONS
    request_queue_size = 128  # the listen backlog: a burst waits in the kernel, not in a thread each

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slots = threading.BoundedSemaphore(self.max_connections)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)  # full: refuse rather than queue a thread per connection
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class _IPv6Server(_BoundedServer):
    address_family = socket.AF_INET6


def allowed_host(header: str | None, bound_host: str) -> bool:
    """Whether a Host header names this endpoint by a loopback name (DNS rebinding sends another name)."""
    if not header:
        return False
    host = header.strip().lower()
    if host.startswith("["):
        host = host[1:host.find("]")] if "]" in host else host
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host in LOOPBACK_NAMES or host == bound_host.lower()


class HealthServer:
    """`/status`, `/metrics` and `/healthz` on a loopback port, served from a background thread."""

    def __init__(self, host: str, port: int, statuses: StatusProvider, metrics: DaemonMetrics) -> None:
        handler = _handler_for(statuses, metrics)
        server_class = _IPv6Server if ":" in host else _BoundedServer
        self._server = server_class((host, port), handler)
        handler.bound_host = str(self._server.server_address[0])
        self._server.daemon_threads = True
        bound_host, bound_port = str(self._server.server_address[0]), self._server.server_address[1]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        self.url = f"http://{shown}:{bound_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="ror-health", daemon=True)

    def start(self) -> str:
        """Start serving; returns the base URL."""
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()


class _HealthHandler(BaseHTTPRequestHandler):
    """The request handler's base: the host the server is bound to (Host header check)."""

    bound_host = "127.0.0.1"


def _handler_for(statuses: StatusProvider, metrics: DaemonMetrics) -> type[_HealthHandler]:
    class Handler(_HealthHandler):
        timeout = CONNECTION_TIMEOUT_SECONDS  # socket timeout: an idle connection does not hold its thread

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path = self.path.split("?", 1)[0].rstrip("/")
            if not allowed_host(self.headers.get("Host"), self.bound_host):
                self._send(421, "application/json", b'{"error": "misdirected request: use a loopback host name"}')
                return
            try:
                if path == "/metrics":
                    self._send(200, CONTENT_TYPE_LATEST, metrics.render())
                elif path in ("/status", ""):
                    body = json.dumps(redact_json([s.to_json() for s in statuses()])).encode()
                    self._send(200, "application/json", body)
                elif path == "/healthz":
                    self._send(200, "application/json", b'{"ok": true}')
                else:
                    self._send(404, "application/json", b'{"error": "try /status, /metrics or /healthz"}')
            except Exception:  # noqa: BLE001 - a scrape must never take the daemon down
                log.exception("health endpoint: %s failed", path)
                self._send(500, "application/json", b'{"error": "internal error; see the daemon log"}')

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
