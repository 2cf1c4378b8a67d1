"""`ror run` as a real process against a loopback Mastodon replay: collect, serve health, reload, refuse a
second instance, keep secrets out of everything, stop cleanly on SIGTERM."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from connectors.mastodon.connector import id_order
from listener.daemon.steps import STEPS
from listener.demo.dataset import DEFAULT_DAYS, DemoWorld, build_demo_world
from listener.demo.mastodon_replay import start_replay_server

ROR = str(Path(sys.executable).parent / "ror")
TOKEN = "e2e-tok-5b9f04c7d2"
TOKEN_ENV = "ROR_E2E_TOKEN"
WAIT_SECONDS = 60.0
STOP_TIMEOUT = 10

CONFIG = """\
[database]
url = "sqlite:///ror.db"

[daemon]
health = {health}
health_port = 0
interval_override_seconds = {interval}
jitter_seconds = 0
stop_timeout_seconds = {stop_timeout}

[[profiles]]
name = "acme"
timezone = "Europe/Berlin"

[[profiles.sources]]
name = "acme-mastodon"
platform = "mastodon"
base_url = "{url}"
account = "acme"
hashtags = ["acmecoffee"]
mentions = true
token_env = "{token_env}"
backfill_days = 60
refresh_days = {refresh_days}
"""

SECOND_SOURCE = """
[[profiles.sources]]
name = "acme-public"
platform = "mastodon"
base_url = "{url}"
account = "acme"
backfill_days = 60
refresh_days = 0
"""


@lru_cache(maxsize=2)
def world_with_languages(days: int = DEFAULT_DAYS) -> DemoWorld:
    """The demo world with a language on every status, so scoring never loads the slow language detector."""
    world = build_demo_world(days=days)
    return dataclasses.replace(world, statuses=tuple(
        dataclasses.replace(s, language=s.language or "en") for s in world.statuses))


def write_config(directory: Path, url: str, *, interval: float = 1.0, health: bool = True,
                 refresh_days: int = 7, extra: str = "") -> Path:
    """A daemon config polling the replay server every `interval` seconds."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "ror.toml"
    path.write_text(CONFIG.format(url=url, interval=interval, health=str(health).lower(), stop_timeout=STOP_TIMEOUT,
                                  token_env=TOKEN_ENV, refresh_days=refresh_days) + extra.format(url=url))
    return path


def daemon_env(**extra: str) -> dict[str, str]:
    """This environment without config or demo variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in ("ROR_CONFIG", "ROR_DEMO_TOKEN", TOKEN_ENV)}
    env.update(extra)
    return env


def query(database: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of a read-only query; [] while the database or its tables do not exist yet."""
    if not database.exists():
        return []
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as connection:
            return connection.execute(sql, params).fetchall()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return []
        raise


def scalar(database: Path, sql: str, *params: Any) -> Any:
    """The first column of the first row, or None."""
    rows = query(database, sql, *params)
    return rows[0][0] if rows else None


@dataclass
class DaemonProcess:
    """A `ror run` subprocess with its stderr in a file."""

    process: subprocess.Popen[bytes]
    stderr_path: Path
    database: Path

    def wait_for(self, condition: Callable[[], Any], what: str, timeout: float = WAIT_SECONDS,
                 every: float = 0.05) -> Any:
        """Poll `condition` until it is truthy; fail at once if the daemon exits, or after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            if not self.pause(every):
                raise AssertionError(f"ror run exited while waiting for {what}:\n{self.stderr()[-3000:]}")
        raise AssertionError(f"timed out after {timeout}s waiting for {what}:\n{self.stderr()[-3000:]}")

    def pause(self, seconds: float) -> bool:
        """Wait a while on the process; False if it exited meanwhile."""
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return True
        return False

    def stop(self, timeout: float = STOP_TIMEOUT + 10, how: signal.Signals = signal.SIGTERM) -> tuple[int, float]:
        """SIGTERM (or `how`); returns the exit code and how long the stop took."""
        started = time.monotonic()
        self.process.send_signal(how)
        code = self.process.wait(timeout=timeout)
        return code, time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL and reap."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stderr(self) -> str:
        """Everything the daemon logged so far."""
        return self.stderr_path.read_text(errors="replace")


def start_daemon(config: Path, env: dict[str, str], *args: str, log_name: str = "daemon.log") -> DaemonProcess:
    """Start `ror run --config config` in the background."""
    stderr_path = config.parent / log_name
    with stderr_path.open("ab") as stderr:
        process = subprocess.Popen([ROR, "run", "--config", str(config), *args], env=env,
                                   stdout=subprocess.DEVNULL, stderr=stderr, cwd=config.parent)
    return DaemonProcess(process, stderr_path, config.parent / "ror.db")


def ok_runs(database: Path, source: str = "acme-mastodon", after_id: int = 0) -> int:
    """How many ok syncs of a source finished (after run id `after_id`)."""
    return scalar(database, "select count(*) from sync_runs where source = ? and status = 'ok' and id > ?",
                  source, after_id) or 0


def cursors(database: Path, source: str = "acme-mastodon") -> dict[str, str]:
    """A source's cursors by stream."""
    return dict(query(database, "select stream, cursor from sync_cursors where source = ?", source))


def http_get(url: str) -> tuple[int, str, str]:
    """Status, content type and body of a GET."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read().decode()


@dataclass
class Scenario:
    """What one daemon run went through, for the tests below to inspect."""

    directory: Path
    database: Path
    host: str
    exit_code: int = -1
    stop_seconds: float = 0.0
    stderr: str = ""
    second: subprocess.CompletedProcess[str] | None = None
    status_cli: list[dict[str, Any]] = field(default_factory=list)
    health: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    cursors_before_reload: dict[str, str] = field(default_factory=dict)
    cursors_after_reload: dict[str, str] = field(default_factory=dict)
    echoed_errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    directory = tmp_path_factory.mktemp("daemon")
    env = daemon_env(**{TOKEN_ENV: TOKEN})
    with start_replay_server(world_with_languages(), require_token=TOKEN, rate_limit=100_000) as server:
        config = write_config(directory, server.url)
        result = Scenario(directory, directory / "ror.db", server.url.removeprefix("http://"))
        daemon = start_daemon(config, env, "--json-logs")
        try:
            run_the_scenario(daemon, server, config, env, result)
        finally:
            if daemon.process.poll() is None:
                result.exit_code, result.stop_seconds = daemon.stop()
        result.stderr = daemon.stderr()
    yield result


def run_the_scenario(daemon: DaemonProcess, server: Any, config: Path, env: dict[str, str], result: Scenario) -> None:
    database = result.database
    daemon.wait_for(lambda: ok_runs(database) >= 1, "a first complete sync")
    daemon.wait_for(lambda: scalar(database, "select count(*) from sentiment_scores"), "scores")
    # A server that echoes the token into an error page: the daemon must not repeat it anywhere.
    server.fail_next(200, body=f"<html>bad token {TOKEN}</html>")
    result.echoed_errors = daemon.wait_for(lambda: [r[0] for r in query(
        database, "select error from sync_runs where error like '%expected JSON%'")], "the echoed error")
    failed_run = scalar(database, "select max(id) from sync_runs where error like '%expected JSON%'")
    daemon.wait_for(lambda: ok_runs(database, after_id=failed_run) >= 1, "a healthy sync after the error")

    result.second = subprocess.run([ROR, "run", "--config", str(config)], env=env, capture_output=True,
                                   text=True, timeout=WAIT_SECONDS)
    health_url = daemon.wait_for(lambda: scalar(database, "select health_url from daemon_state"), "health URL")
    for path in ("/status", "/metrics", "/healthz"):
        result.health[path] = http_get(health_url + path)
    shown = subprocess.run([ROR, "status", "--json", "--config", str(config)], env=env, capture_output=True,
                           text=True, timeout=WAIT_SECONDS)
    result.status_cli = json.loads(shown.stdout)

    result.cursors_before_reload = cursors(database)
    config.write_text(config.read_text() + SECOND_SOURCE.format(url=server.url))
    daemon.process.send_signal(signal.SIGHUP)
    daemon.wait_for(lambda: ok_runs(database, "acme-public") >= 1, "the source added by the reload")
    result.cursors_after_reload = cursors(database)
    result.exit_code, result.stop_seconds = daemon.stop()


def test_run_collects_scores_and_aggregates_then_exits_0_on_sigterm(scenario: Scenario) -> None:
    assert scenario.exit_code == 0, scenario.stderr[-3000:]
    assert scenario.stop_seconds < STOP_TIMEOUT
    database = scenario.database
    items = query(database, "select count(*) from items")[0][0]
    scored = query(database, "select count(*) from sentiment_scores")[0][0]
    assert items > 1000 and scored == items
    assert query(database, "select count(*) from index_points where daily_index is not null")[0][0] > 20
    assert query(database, "select count(*) from sync_runs where status = 'running'") == [(0,)]
    assert query(database, "select stopped_at is not null from daemon_state") == [(1,)]
    assert query(database, "select count(*) from daemon_source_health where next_run_at is not null") == [(0,)]


def test_a_second_run_on_the_same_database_exits_6_with_the_lock_message(scenario: Scenario) -> None:
    second = scenario.second
    assert second is not None and second.returncode == 6
    assert "already running" in second.stderr and str(scenario.database) + ".lock" in second.stderr.replace("\n", "")


def test_status_shows_next_run_quota_and_state_while_running(scenario: Scenario) -> None:
    status = scenario.status_cli[0]
    assert status["state"] == "healthy" and status["next_run_at"] is not None
    assert status["quota_limit"] == 100_000 and 0 < status["quota_remaining"] < 100_000
    assert status["consecutive_failures"] == 0 and status["items"] > 1000


def test_health_endpoint_serves_the_status_json_and_prometheus_metrics(scenario: Scenario) -> None:
    code, kind, body = scenario.health["/status"]
    assert code == 200 and kind == "application/json"
    served = json.loads(body)
    assert [s["source"] for s in served] == ["acme-mastodon"] and served[0].keys() == scenario.status_cli[0].keys()
    code, kind, metrics = scenario.health["/metrics"]
    assert code == 200 and kind.startswith("text/plain")
    assert 'ror_source_state{source="acme-mastodon",state="healthy"} 1.0' in metrics
    assert 'ror_sync_runs_total{outcome="ok",source="acme-mastodon"}' in metrics
    assert f'ror_quota_remaining{{credential="mastodon:{scenario.host}:{TOKEN_ENV}"}}' in metrics
    assert scenario.health["/healthz"][0] == 200


def test_metric_labels_are_bounded_to_config_names_states_and_outcomes(scenario: Scenario) -> None:
    allowed = {"acme-mastodon", "acme-public", "healthy", "degraded", "down", "ok", "partial", "failed",
               "deferred", "interrupted", *STEPS, "acme"}
    for line in scenario.health["/metrics"][2].splitlines():
        if line.startswith("#") or "{" not in line:
            continue
        labels = dict(pair.split("=", 1) for pair in line[line.index("{") + 1 : line.index("}")].split(","))
        for name, value in labels.items():
            value = value.strip('"')
            assert name == "le" or value in allowed or (name == "credential" and value.endswith(TOKEN_ENV)), line


def test_sighup_reloads_the_config_without_losing_cursors(scenario: Scenario) -> None:
    before, after = scenario.cursors_before_reload, scenario.cursors_after_reload
    assert before.keys() == after.keys() and before
    assert all(id_order(after[s]) >= id_order(before[s]) for s in before)
    assert ok_runs(scenario.database, "acme-public") >= 1
    assert '"config reloaded from' in scenario.stderr


def test_json_logs_are_one_object_per_line(scenario: Scenario) -> None:
    entries = [json.loads(line) for line in scenario.stderr.splitlines() if line.strip()]
    messages = [e["message"] for e in entries]
    assert any(m.startswith("acme-mastodon: ok, ") for m in messages)
    assert any(m == "stopped cleanly" for m in messages)


def test_the_token_appears_in_no_log_line_database_row_or_status_output(scenario: Scenario) -> None:
    assert scenario.echoed_errors and all("bad token ***" in e for e in scenario.echoed_errors)
    with sqlite3.connect(scenario.database) as connection:
        dump = "\n".join(connection.iterdump())
    assert "expected JSON" in dump and "e2e-tok" not in dump
    assert "bad token ***" in scenario.stderr and TOKEN not in scenario.stderr
    shown = json.dumps(scenario.status_cli) + "".join(body for _, _, body in scenario.health.values())
    assert TOKEN not in shown
