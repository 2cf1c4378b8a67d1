"""`ror run --config ror-demo/ror.toml` after `ror demo`: the replay server is gone, the daemon keeps running,
shows the source down, and stops cleanly on SIGINT and on SIGTERM."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

from typer.testing import CliRunner

from listener.cli.main import app
from listener.demo.run import DEMO_TOKEN, DEMO_TOKEN_ENV
from tests.test_daemon_e2e import daemon_env, scalar, start_daemon

TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: ")


def test_run_after_demo_keeps_running_shows_the_source_down_and_stops_cleanly(tmp_path: Path) -> None:
    directory = tmp_path / "ror-demo"
    assert CliRunner().invoke(app, ["demo", "--dir", str(directory)]).exit_code == 0
    config, database = directory / "ror.toml", directory / "ror.db"

    # A new shell: the demo's token variable is not set there.
    daemon = start_daemon(config, daemon_env())
    daemon.wait_for(lambda: scalar(database, "select count(*) from sync_runs where status = 'failed'"), "a failed sync")
    shown = CliRunner().invoke(app, ["status", "--json", "--config", str(config)])
    status = json.loads(shown.stdout)[0]
    assert status["state"] == "down" and DEMO_TOKEN_ENV in status["last_error"]
    assert status["items"] > 1000, "what the demo collected is still there"
    assert daemon.pause(0.5), "the daemon keeps running with its only source down"
    code, seconds = daemon.stop(how=signal.SIGINT)  # Ctrl-C in the terminal that started it
    assert code == 0 and seconds < 10, daemon.stderr()[-2000:]
    lines = [line for line in daemon.stderr().splitlines() if line.strip()]
    assert all(TEXT_LINE.match(line) for line in lines if not line.startswith(" ")), lines[:5]

    # With the token set, the source's server is gone: the sync retries with backoff, and a
    # SIGTERM in the middle of a backoff wait still stops at once.
    daemon = start_daemon(config, daemon_env(**{DEMO_TOKEN_ENV: DEMO_TOKEN}), log_name="second.log")
    before = scalar(database, "select max(id) from sync_runs")
    daemon.wait_for(lambda: scalar(database, "select count(*) from sync_runs where status = 'running' and id > ?",
                                   before), "a sync against the vanished server")
    code, seconds = daemon.stop()
    assert code == 0 and seconds < 5, daemon.stderr()[-2000:]
    assert scalar(database, "select status from sync_runs order by id desc limit 1") == "interrupted"
    assert DEMO_TOKEN not in daemon.stderr()
