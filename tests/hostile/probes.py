"""The fault suite's probes beyond one connector's pages: kills, concurrency, secrets, the outbox, health, the CLI.

Each probe sets up a bad day on loopback (a hanging server, a slow webhook, a token echoed
back, a flood of connections, a full disk), then books what a user would notice as an
Outcome: items lost, alerts delivered twice (duplicated), secrets seen (leaked), or a
promise broken (a problem). `PROBES` lists them for the suite's summary.
"""

from __future__ import annotations

import errno
import http.client
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text
from typer.testing import CliRunner

from listener.daemon.health import CONNECTION_TIMEOUT_SECONDS
from listener.storage.engine import open_database
from listener.storage.models import SyncRunRow
from listener.storage.upsert import table_of
from tests.hostile.ledger import Outcome

TOKEN_ENV = "HOSTILE_MASTODON_TOKEN"
TOKEN = 'hostile"tok\\en-8c2f'  # a quote and a backslash: escaped forms differ from the raw value
ROR = str(Path(sys.executable).with_name("ror"))
WAIT = 60.0  # longest wait for a subprocess to reach a point (never reached when things work)
Probe = Callable[[Path], Outcome]


class Hang:
    """A loopback server whose answers are data: path substring -> (status, headers, body), or 'hang'."""

    def __init__(self, answers: dict[str, Any], default: tuple[int, dict[str, str], str] | None = None) -> None:
        self.answers, self.requests, self.release = answers, [], threading.Event()
        self.reached = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                outer.requests.append(self.path)
                answer = next((a for p, a in outer.answers.items() if p in self.path), default)
                if answer == "hang" or answer is None:
                    outer.reached.set()
                    outer.release.wait(WAIT)
                    return
                status, headers, body = answer
                body = body.replace("{auth}", self.headers.get("Authorization", "").removeprefix("Bearer "))
                self.send_response(status)
                for key, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body.encode())))
                self.end_headers()
                self.wfile.write(body.encode())

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Hang:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def write_config(tmp: Path, base_url: str, extra: str = "") -> Path:
    """A one-source Mastodon config with a token, on a SQLite file next to it."""
    path = tmp / "ror.toml"
    path.write_text(f"""
[database]
url = "sqlite:///ror.db"
{extra}
[[profiles]]
name = "acme"
timezone = "Europe/Berlin"

[[profiles.sources]]
name = "acme-mastodon"
platform = "mastodon"
base_url = "{base_url}"
account = "acme"
mentions = true
token_env = "{TOKEN_ENV}"
""")
    return path


def runs(tmp: Path) -> list[tuple[str, str | None]]:
    """(status, error) of every sync run in the probe's database."""
    engine = open_database(f"sqlite:///{tmp / 'ror.db'}")
    with engine.connect() as connection:
        rows = connection.execute(select(table_of(SyncRunRow).c.status, table_of(SyncRunRow).c.error)).all()
    engine.dispose()
    return [(r[0], r[1]) for r in rows]


def _ror(config: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, TOKEN_ENV: TOKEN}
    return subprocess.Popen([ROR, *args, "--config", str(config)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    """`ror ARGS` in-process, output captured, the token in the environment."""
    import logging

    from listener.cli.main import app

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return CliRunner().invoke(app, list(args), env={TOKEN_ENV: TOKEN, **(env or {})})
    finally:  # the CLI's logging set-up writes to the runner's stream, closed once it returns
        root.handlers[:] = handlers
        root.setLevel(level)


# ---- kills -----------------------------------------------------------------------------


def probe_sigterm_during_sync(tmp: Path) -> Outcome:
    """SIGTERM while `ror sync` waits on a server: the run is closed `interrupted`, exit 143."""
    outcome = Outcome("SIGTERM during ror sync", "", 0)
    with Hang({"/accounts/lookup": "hang"}) as server:
        config = write_config(tmp, server.url)
        process = _ror(config, "sync")
        if not server.reached.wait(WAIT):
            outcome.problems.append("ror sync never reached the server")
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=WAIT)
    if process.returncode != 128 + signal.SIGTERM:
        outcome.problems.append(f"exit {process.returncode}, expected 143: {stderr[-300:]}")
    if [status for status, _ in runs(tmp)] != ["interrupted"]:
        outcome.problems.append(f"runs after SIGTERM: {runs(tmp)}")
    return outcome


def probe_sigkill_during_sync(tmp: Path) -> Outcome:
    """SIGKILL while `ror sync` waits: the next `ror status` closes the run and does not say 'syncing'."""
    outcome = Outcome("SIGKILL during ror sync", "", 0)
    with Hang({"/accounts/lookup": "hang"}) as server:
        config = write_config(tmp, server.url)
        process = _ror(config, "sync")
        if not server.reached.wait(WAIT):
            outcome.problems.append("ror sync never reached the server")
        process.kill()
        process.communicate(timeout=WAIT)
    status = invoke("status", "--json", "--config", str(config))
    shown = json.loads(status.output)[0] if status.exit_code == 0 else {}
    if shown.get("syncing") or shown.get("state") == "syncing":
        outcome.problems.append(f"status still says syncing: {shown}")
    if [s for s, _ in runs(tmp)] != ["interrupted"]:
        outcome.problems.append(f"runs after SIGKILL and ror status: {runs(tmp)}")
    return outcome


# ---- exit codes and one-line errors ------------------------------------------------------


def probe_deferred_sync_exit_code(tmp: Path) -> Outcome:
    """A 429 asking for an hour: the sync is deferred and `ror sync` says so with exit 7, not 0."""
    outcome = Outcome("deferred sync exit code", "", 0)
    answer = (429, {"Retry-After": "3600"}, '{"error": "Too many requests"}')
    with Hang({"/": answer}) as server:
        result = invoke("sync", "--config", str(write_config(tmp, server.url)))
    if result.exit_code != 7 or "deferred" not in result.output:
        outcome.problems.append(f"exit {result.exit_code}: {result.output[-300:]}")
    return outcome


def _one_line(outcome: Outcome, result: Any, code: int, needle: str) -> None:
    lines = [line for line in result.output.splitlines() if line.strip()]
    if result.exit_code != code or len(lines) != 1 or needle not in result.output or "Traceback" in result.output:
        outcome.problems.append(f"exit {result.exit_code} (expected {code}), {len(lines)} lines: "
                                f"{result.output[-400:]!r}")


def probe_cli_errors_are_one_line(tmp: Path) -> Outcome:
    """Export into an unwritable place, onto a file, under /proc; mysql://; SQLite under /proc; a full disk."""
    outcome = Outcome("one-line errors", "", 0)
    config = write_config(tmp, "http://127.0.0.1:9")
    blocker = tmp / "a-file"
    blocker.write_text("x")
    _one_line(outcome, invoke("export", "--config", str(config), "--out", str(blocker)), 1, str(blocker))
    _one_line(outcome, invoke("export", "--config", str(config), "--out", "/proc/ror-export"), 1, "/proc/ror-export")
    _one_line(outcome, invoke("export", "--config", str(config), "--out", "/proc/self/ror"), 1, "/proc/self/ror")
    mysql = tmp / "mysql"
    mysql.mkdir()
    mysql_config = write_config(mysql, "http://127.0.0.1:9").read_text().replace(
        'url = "sqlite:///ror.db"', 'url = "mysql://ror@127.0.0.1/ror"')
    (mysql / "ror.toml").write_text(mysql_config)
    _one_line(outcome, invoke("status", "--config", str(mysql / "ror.toml")), 5, "mysql")
    proc = tmp / "proc"
    proc.mkdir()
    (proc / "ror.toml").write_text(write_config(proc, "http://127.0.0.1:9").read_text().replace(
        'url = "sqlite:///ror.db"', 'url = "sqlite:////proc/ror/ror.db"'))
    _one_line(outcome, invoke("status", "--config", str(proc / "ror.toml")), 5, "/proc/ror")
    with disk_full():
        _one_line(outcome, invoke("export", "--config", str(config), "--out", str(tmp / "out")), 1, "disk is full")
    return outcome


@contextmanager
def disk_full() -> Iterator[None]:
    """Every export file write fails with ENOSPC, as on a full disk."""
    import listener.exports.writer as writer

    original = writer.write_atomically

    def no_space(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    writer.write_atomically = no_space  # type: ignore[assignment]
    try:
        yield
    finally:
        writer.write_atomically = original  # type: ignore[assignment]


def probe_sync_on_a_full_disk(tmp: Path) -> Outcome:
    """`ror sync` when SQLite says the disk is full: one line naming the database, exit 5, no traceback."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    import listener.collect.sync as sync

    outcome = Outcome("ror sync on a full disk", "", 0)
    original = sync.save_pages

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

    sync.save_pages = full  # type: ignore[assignment]
    try:
        with Hang({"/accounts/lookup": (200, {}, '{"id": "1", "acct": "acme"}'), "/": (200, {}, "[]")}) as server:
            result = invoke("sync", "--config", str(write_config(tmp, server.url)))
    finally:
        sync.save_pages = original  # type: ignore[assignment]
    if "Traceback" in result.output or "disk is full" not in result.output or result.exit_code != 4:
        outcome.problems.append(f"exit {result.exit_code}: {result.output[-600:]!r}")
    return outcome


def probe_unreadable_config_exit_3(tmp: Path) -> Outcome:
    """A config the user may not read is a configuration error (3), not a usage error (2)."""
    import pathlib

    outcome = Outcome("unreadable config", "", 0)
    config = write_config(tmp, "http://127.0.0.1:9")
    original_access, original_read = os.access, pathlib.Path.read_text

    def no_access(path: Any, mode: int, *args: Any, **kwargs: Any) -> bool:
        return False if str(path) == str(config) else original_access(path, mode, *args, **kwargs)

    def no_read(self: pathlib.Path, *args: Any, **kwargs: Any) -> str:
        if str(self) == str(config):
            raise PermissionError(errno.EACCES, "Permission denied", str(config))
        return original_read(self, *args, **kwargs)

    os.access, pathlib.Path.read_text = no_access, no_read  # type: ignore[assignment]
    try:
        result = invoke("status", "--config", str(config))
    finally:
        os.access, pathlib.Path.read_text = original_access, original_read  # type: ignore[assignment]
    _one_line(outcome, result, 3, "Permission denied")
    return outcome


# ---- secrets ---------------------------------------------------------------------------


def probe_secret_echoed_through_the_cli(tmp: Path) -> Outcome:
    """A server echoing the token in a 4xx and an HTML 200: not in `ror sync`, the database, status or alerts JSON."""
    outcome = Outcome("secret echoed through the CLI", "", 0)
    answers = {"/accounts/lookup": (200, {}, '{"id": "1", "acct": "acme"}'),
               "/notifications": (401, {}, '{"error": "token {auth} is revoked"}'),
               "/statuses": (200, {"Content-Type": "text/html"}, "<html>signed in as {auth}</html>")}
    with Hang(answers) as server:
        config = write_config(tmp, server.url)
        seen = invoke("--verbose", "sync", "--config", str(config)).output
    seen += invoke("status", "--json", "--config", str(config)).output
    seen += invoke("alerts", "list", "--json", "--config", str(config)).output
    engine = open_database(f"sqlite:///{tmp / 'ror.db'}")
    with engine.connect() as connection:
        for table in ("sync_runs", "quarantine", "alerts", "alert_deliveries"):
            seen += repr(connection.execute(text(f"select * from {table}")).all())
    engine.dispose()
    _book_leaks(outcome, seen)
    if "***" not in seen:
        outcome.problems.append("the echoed token was not shown redacted anywhere (did the server echo it?)")
    return outcome


def _book_leaks(outcome: Outcome, seen: str) -> None:
    forms = {TOKEN, json.dumps(TOKEN)[1:-1], repr(TOKEN)[1:-1]}
    outcome.leaked += [f"token as {form!r}" for form in forms if form in seen]


def probe_json_log_lines_redact_escaped_secrets(tmp: Path) -> Outcome:
    """The daemon's JSON log lines escape `"` and `\\`: the escaped token is redacted too."""
    import io
    import logging

    from listener.daemon.logs import Redactor, configure_logging

    outcome = Outcome("escaped secret in JSON logs", "", 0)
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    configure_logging("json", Redactor([TOKEN]), logging.INFO, stream)
    try:
        logging.getLogger("ror.daemon").warning("server said: %s", f"bad token {TOKEN}")
        logging.getLogger("ror.daemon").warning("headers", extra={"authorization": f"Bearer {TOKEN}"})
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    _book_leaks(outcome, stream.getvalue())
    return outcome


# ---- alerts ----------------------------------------------------------------------------


class Webhook:
    """A loopback webhook that counts deliveries by idempotency key and answers slowly on request."""

    def __init__(self, delay: threading.Event | None = None) -> None:
        self.keys: list[str] = []
        self.entered = threading.Semaphore(0)
        self.gate = delay
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.keys.append(self.headers.get("Idempotency-Key", ""))
                outer.entered.release()
                if outer.gate is not None:
                    outer.gate.wait(WAIT)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        if self.gate is not None:
            self.gate.set()
        self.server.shutdown()
        self.server.server_close()


def _outbox(tmp: Path, webhook: Webhook, alerts: int) -> tuple[Any, Any, Any]:
    from listener.alerts.channels import build_channel
    from listener.alerts.outbox import DeliveryPolicy, NewAlert, store_alerts
    from listener.config.alerts import ChannelConfig
    from listener.storage.store import ensure_profile

    os.environ["HOSTILE_HOOK_URL"] = webhook.url
    channel = ChannelConfig.model_validate({"name": "hook", "kind": "webhook", "url_env": "HOSTILE_HOOK_URL"})
    engine = open_database(f"sqlite:///{tmp / 'outbox.db'}")
    now = datetime(2026, 11, 18, tzinfo=UTC)
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, "acme", "UTC")
        store_alerts(connection, profile_id, [
            NewAlert("probe", f"probe:{n}", None, now + timedelta(minutes=n), f"drop {n}", False, {})
            for n in range(alerts)], [channel], now)
    return engine, {"hook": build_channel(channel)}, {"hook": DeliveryPolicy.of(channel)}


def probe_concurrent_alert_runs_send_once(tmp: Path) -> Outcome:
    """Two `ror alerts run` at once against a slow webhook: every alert delivered exactly once."""
    from listener.alerts.outbox import deliver_due

    outcome = Outcome("concurrent alert runs", "", 0)
    gate = threading.Event()
    webhook = Webhook(gate)
    engine, channels, policies = _outbox(tmp, webhook, 4)
    clock = lambda: datetime(2026, 11, 18, 0, 1, tzinfo=UTC)  # noqa: E731
    workers = [threading.Thread(target=deliver_due, args=(engine, channels, policies, clock)) for _ in range(2)]
    for worker in workers:
        worker.start()
    # Hold the webhook until both runs have a send in flight: each must have claimed before sending.
    webhook.entered.acquire(timeout=WAIT)
    webhook.entered.acquire(timeout=WAIT)
    gate.set()
    for worker in workers:
        worker.join(WAIT)
    webhook.close()
    duplicates = len(webhook.keys) - len(set(webhook.keys))
    outcome.duplicated += [f"delivery sent {webhook.keys.count(k)} times" for k in set(webhook.keys)
                           if webhook.keys.count(k) > 1][:duplicates]
    if len(set(webhook.keys)) != 4:
        outcome.lost.append(f"{4 - len(set(webhook.keys))} alert(s) never delivered")
    engine.dispose()
    return outcome


def probe_claimant_dies_mid_send(tmp: Path) -> Outcome:
    """A run dies after claiming a delivery: nobody resends before the lease ends, one resend after."""
    from listener.alerts.outbox import CLAIM_LEASE, claim, deliver_due, due_deliveries

    outcome = Outcome("claimant dies mid-send", "", 0)
    webhook = Webhook()
    engine, channels, policies = _outbox(tmp, webhook, 1)
    at = datetime(2026, 11, 18, 0, 1, tzinfo=UTC)
    delivery, _ = due_deliveries(engine, at)[0]
    claim(engine, delivery, at)  # ... and the process is killed before it stores an outcome
    deliver_due(engine, channels, policies, lambda: at + CLAIM_LEASE / 2)
    if webhook.keys:
        outcome.duplicated.append("resent while the dead claimant's lease was still running")
    deliver_due(engine, channels, policies, lambda: at + CLAIM_LEASE * 2)
    deliver_due(engine, channels, policies, lambda: at + CLAIM_LEASE * 3)
    if len(webhook.keys) != 1:
        outcome.problems.append(f"{len(webhook.keys)} sends after the lease ended, expected 1")
    webhook.close()
    engine.dispose()
    return outcome


def probe_daemon_alerts_when_the_only_source_is_down(tmp: Path) -> Outcome:
    """A profile whose only source fails every poll gets its connector_down alert from the daemon itself."""
    from connectors.http import RetryPolicy
    from listener.config.settings import Config
    from listener.daemon.service import Daemon
    from tests.conftest import FakeClock

    outcome = Outcome("daemon source-down alert", "", 0)
    config = Config.model_validate({
        "daemon": {"jitter_seconds": 0},
        "profiles": [{"name": "acme", "timezone": "Europe/Berlin",
                      "alerts": {"connector_down": {"after_minutes": 2}},
                      "sources": [{"name": "acme-mastodon", "platform": "mastodon", "account": "acme",
                                   "base_url": "https://down.example", "interval_minutes": 1}]}]})
    config.path = tmp / "ror.toml"
    engine = open_database(f"sqlite:///{tmp / 'daemon.db'}")
    clock = FakeClock(datetime(2026, 11, 18, 12, 0, tzinfo=UTC))
    transport = httpx.MockTransport(lambda request: httpx.Response(503, text="<html>down</html>"))
    daemon = Daemon(config, engine, clock=clock, sleep=lambda _s: None, transport=lambda: transport,
                    policy=RetryPolicy(max_attempts=1))
    for _ in range(4):
        daemon.run_source("acme-mastodon")
        clock.now += timedelta(minutes=1)
    with engine.connect() as connection:
        fired = connection.execute(text("select condition from alerts")).scalars().all()
    if not any(c.startswith("connector_down") for c in fired):
        outcome.problems.append(f"no connector_down alert after 4 failed polls (alerts: {fired})")
    engine.dispose()
    return outcome


# ---- the health endpoint ----------------------------------------------------------------


@contextmanager
def health_server() -> Iterator[Any]:
    """A health endpoint on a free loopback port, serving an empty status."""
    from listener.daemon.health import DaemonMetrics, HealthServer

    server = HealthServer("127.0.0.1", 0, lambda: [], DaemonMetrics(lambda: [], lambda: []))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def probe_health_refuses_foreign_host_names(tmp: Path) -> Outcome:
    """DNS rebinding: a request naming another host gets 421, loopback names get the status."""
    outcome = Outcome("health Host allow-list", "", 0)
    with health_server() as server:
        port = int(server.url.rsplit(":", 1)[1])
        for host, expected in (("evil.example", 421), (f"evil.example:{port}", 421), (f"localhost:{port}", 200),
                               (f"127.0.0.1:{port}", 200)):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.putrequest("GET", "/status", skip_host=True)
            connection.putheader("Host", host)
            connection.endheaders()
            status = connection.getresponse().status
            connection.close()
            if status != expected:
                outcome.problems.append(f"Host {host}: {status}, expected {expected}")
    return outcome


def probe_health_survives_a_connection_flood(tmp: Path) -> Outcome:
    """300 idle connections: the threads held stay under the cap and a scrape still gets through."""
    outcome = Outcome("health connection flood", "", 0)
    cap = 16  # the endpoint's documented connection cap
    with health_server() as server:
        port = int(server.url.rsplit(":", 1)[1])
        before = set(threading.enumerate())
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(300)]
        # the refused ones are closed at once; the held ones only after the idle timeout, so look before it
        closed = _wait_until_closed_by_the_server(idle, wanted=len(idle) - cap, seconds=CONNECTION_TIMEOUT_SECONDS / 2)
        held = [thread for thread in threading.enumerate() if thread not in before]
        if len(held) > cap + 1:
            outcome.problems.append(f"{len(held)} threads held by 300 idle connections ({closed} refused)")
        for sock in idle:
            sock.close()
        for thread in held:  # each ends when its connection closes, and frees its slot
            thread.join(timeout=10)
        try:
            status: int | str = httpx.get(f"{server.url}/healthz", timeout=10).status_code
        except httpx.HTTPError as error:
            status = type(error).__name__
        if status != 200:
            outcome.problems.append(f"/healthz after the flood: {status}")
    return outcome


def _wait_until_closed_by_the_server(sockets: list[socket.socket], wanted: int, seconds: float) -> int:
    """Block on the sockets until `wanted` of them were closed by the server (or `seconds` pass); how many were."""
    deadline, closed = time.monotonic() + seconds, 0
    with selectors.DefaultSelector() as selector:
        for sock in sockets:
            selector.register(sock, selectors.EVENT_READ)
        while closed < wanted and (left := deadline - time.monotonic()) > 0:
            for key, _ in selector.select(left):
                try:
                    closed += key.fileobj.recv(1) == b""  # type: ignore[union-attr]  # registered sockets only
                except ConnectionError:  # reset rather than closed: refused all the same
                    closed += 1
                selector.unregister(key.fileobj)
    return closed


PROBES: list[Probe] = [
    probe_sigterm_during_sync, probe_sigkill_during_sync, probe_deferred_sync_exit_code,
    probe_cli_errors_are_one_line, probe_sync_on_a_full_disk, probe_unreadable_config_exit_3,
    probe_secret_echoed_through_the_cli, probe_json_log_lines_redact_escaped_secrets,
    probe_concurrent_alert_runs_send_once, probe_claimant_dies_mid_send,
    probe_daemon_alerts_when_the_only_source_is_down, probe_health_refuses_foreign_host_names,
    probe_health_survives_a_connection_flood,
]
