"""Start PostgreSQL, Redis and the seeded Bluesky reference network (network.js); stop them after.

`python -m tests.bluesky_reference.harness` starts it by hand and prints the READY line.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from tests.postgres_server import find_bindir, throwaway_cluster

HERE = Path(__file__).resolve().parent
NETWORK_JS = HERE / "network.js"
ATP_DIR_ENV = "ROR_ATP_DIR"
DEFAULT_ATP_DIR = "/tmp/ror-atp"
DEV_ENV_VERSION = "0.3.215"
READY_TIMEOUT_SECONDS = 300.0
STOP_TIMEOUT_SECONDS = 30.0


class ReferenceServerError(RuntimeError):
    """The reference network could not be started (with what it printed)."""


def atp_dir() -> Path:
    """Where setup.sh installed @atproto/dev-env."""
    return Path(os.environ.get(ATP_DIR_ENV) or DEFAULT_ATP_DIR)


def missing_parts() -> list[str]:
    """What setup.sh still has to install here (empty when everything is in place)."""
    missing = []
    package = atp_dir() / "node_modules" / "@atproto" / "dev-env" / "package.json"
    if not package.is_file() or json.loads(package.read_text()).get("version") != DEV_ENV_VERSION:
        missing.append(f"@atproto/dev-env@{DEV_ENV_VERSION} in {atp_dir()}")
    for program in ("node", "redis-server"):
        if shutil.which(program) is None:
            missing.append(program)
    if find_bindir() is None:
        missing.append("postgresql")
    return missing


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _tail(log: Path | None, lines: int = 40) -> str:
    if log is None or not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


class LineReader:
    """A child process whose stdout is read line by line in a thread, so every wait is bounded."""

    def __init__(self, process: subprocess.Popen[str], log: Path | None = None) -> None:
        self.process, self.log = process, log
        self.lines: queue.Queue[str | None] = queue.Queue()
        assert process.stdout is not None
        threading.Thread(target=_pump, args=(process.stdout, self.lines), daemon=True).start()

    def wait_for(self, marker: str, timeout: float) -> str:
        """What follows `marker` on the next stdout line that contains it, within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                tail = _tail(self.log)
                raise ReferenceServerError(f"no {marker!r} within {timeout:.0f}s; log tail:\n{tail}") from None
            if line is None:
                code = self.process.wait()
                raise ReferenceServerError(f"{self.process.args[0]} exited ({code}); log tail:\n{_tail(self.log)}")
            if marker in line:
                return line.split(marker, 1)[1].strip()


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server on 127.0.0.1:<free port> without persistence; yields host:port."""
    port = _free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        LineReader(process).wait_for("Ready to accept connections", 30)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=STOP_TIMEOUT_SECONDS)


class RunningNetwork(LineReader):
    """network.js while it runs: its READY data (`info`) and the commands it answers on stdin."""

    def __init__(self, process: subprocess.Popen[str], log: Path) -> None:
        super().__init__(process, log)
        self.info: dict[str, Any] = {}

    def process_all(self, timeout: float = 60.0) -> None:
        """Make the AppView index everything written so far (no polling, no sleeps)."""
        assert self.process.stdin is not None
        self.process.stdin.write("process\n")
        self.process.stdin.flush()
        self.wait_for("DONE process", timeout)

    def stop(self) -> None:
        """Close stdin (the script's cue to shut down), then SIGTERM, then SIGKILL."""
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def reference_network(timeout: float = READY_TIMEOUT_SECONDS) -> Iterator[RunningNetwork]:
    """PostgreSQL + Redis + the seeded network; yields it once READY (URLs, DIDs, URIs in `.info`)."""
    bindir = find_bindir()
    if bindir is None:
        raise ReferenceServerError("no PostgreSQL server installed: run tests/bluesky_reference/setup.sh")
    with ExitStack() as stack:
        pg_url = stack.enter_context(throwaway_cluster(bindir)).replace("postgresql+psycopg://", "postgresql://")
        redis_host = stack.enter_context(redis_server())
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ror-bsky-")))
        log = workdir / "network.log"
        env = {**os.environ, "ROR_ATP_DB_URL": pg_url, "REDIS_HOST": redis_host, ATP_DIR_ENV: str(atp_dir()),
               "LOG_ENABLED": "false", "NODE_ENV": "test"}
        with log.open("w") as log_file:
            network = RunningNetwork(
                subprocess.Popen(["node", str(NETWORK_JS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=log_file, text=True, env=env, cwd=workdir),
                log,
            )
            try:
                network.info = json.loads(network.wait_for("READY ", timeout))
                yield network
            finally:
                network.stop()


def main() -> None:
    """Start the network by hand; print its READY data; stop on Enter or Ctrl-C."""
    with reference_network() as network:
        print(json.dumps(network.info, indent=2), flush=True)
        try:
            input("reference network is up; press Enter to stop\n")
        except (EOFError, KeyboardInterrupt):
            pass


if __name__ == "__main__":
    main()
