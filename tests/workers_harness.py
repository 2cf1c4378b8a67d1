"""For the scale-out tests and bench: a loopback fake Hacker News that counts polls, `ror worker` processes, a config.

The fake platform answers Algolia's `search_by_date` for any number of sources (one
search term each), after a latency only where the scale-out bench sets one, serves each
source's items over a few pages, and records every poll it sees: when it started, when
its last page was served, and whether another poll of the same source was still open
then (an overlap).

Waiting is event-driven: the platform and every worker's output reader announce each
change on `NEWS`, and `wait_for` re-checks its condition only when told something
changed (no polling interval, no sleep).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.postgres_server import _as_server_user, _free_port, find_bindir

ROOT = Path(__file__).resolve().parents[1]


NEWS = threading.Condition()  # notified whenever the platform sees a request or a worker writes output


def announce() -> None:
    """Wake every `wait_for`: something it may be waiting on has changed."""
    with NEWS:
        NEWS.notify_all()


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """`condition`'s first truthy value, re-checked on every announced change; AssertionError after `timeout` s."""
    result: list[Any] = []

    def settled() -> bool:
        value = condition()
        if value:
            result.append(value)
        return bool(value)

    with NEWS:
        if not NEWS.wait_for(settled, timeout):
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
    return result[0]


@dataclass
class Poll:
    """One poll of one source as the platform saw it."""

    started: float
    ended: float | None = None
    pages: int = 0


@dataclass
class FakeHackerNews:
    """A loopback Algolia HN Search: `items_per_source` stories per term, `page_size` per page.

    `latency`, when given, runs before each page is answered (the scale-out bench passes a wait to stand
    for a platform's response time; tests pass none).
    """

    items_per_source: int = 4
    page_size: int = 2
    latency: Callable[[], None] | None = None
    now: int = field(default_factory=lambda: int(time.time()))
    polls: dict[str, list[Poll]] = field(default_factory=lambda: defaultdict(list))
    overlaps: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    requests: int = 0
    gates: dict[str, threading.Event] = field(default_factory=dict)  # term -> pages after the first wait for it
    held: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # term -> requests waiting at its gate
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def pages(self) -> int:
        """Pages in one complete poll of a source."""
        return -(-self.items_per_source // self.page_size)

    def answer(self, term: str, page: int) -> dict[str, Any]:
        """Record the request, wait, and return one page of the term's stories."""
        self._note(term, page)
        if page > 0 and term in self.gates:
            with self._lock:
                self.held[term] += 1
            announce()
            self.gates[term].wait(30)
        if self.latency is not None:
            self.latency()
        first = page * self.page_size
        hits = [self.hit(term, k) for k in range(first, min(first + self.page_size, self.items_per_source))]
        with self._lock:
            poll = self.polls[term][-1]
            poll.pages += 1
            if page + 1 >= self.pages:
                poll.ended = time.time()
        announce()
        return {"hits": hits, "nbPages": self.pages, "nbHits": self.items_per_source, "page": page}

    def _note(self, term: str, page: int) -> None:
        with self._lock:
            self.requests += 1
            if page == 0:
                if any(p.ended is None for p in self.polls[term]):
                    self.overlaps[term] += 1  # another poll of this source has not had its last page yet
                self.polls[term].append(Poll(time.time()))
        announce()

    def hit(self, term: str, k: int) -> dict[str, Any]:
        """Story k of a term: a stable id, a recent timestamp."""
        number = int(term.rsplit("-", 1)[1])
        return {"objectID": str(number * 1000 + k + 1), "_tags": ["story", f"story_{number * 1000 + k + 1}"],
                "author": f"user{k}", "created_at_i": self.now - 60 * (k + 1), "title": f"{term} story {k}",
                "url": None, "story_text": f"I like {term} a lot, story {k}", "points": 3, "num_comments": 0}

    def complete_polls(self, term: str) -> int:
        """Polls of a term that got all their pages."""
        with self._lock:
            return sum(1 for p in self.polls[term] if p.pages >= self.pages)

    @contextmanager
    def serving(self) -> Iterator[str]:
        """Serve on 127.0.0.1 in a thread; yields the base URL a source's base_url takes."""
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server hook's name
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                if not url.path.endswith("/search_by_date") or "query" not in query:
                    self.send_error(404)
                    return
                body = json.dumps(platform.answer(query["query"][0], int(query.get("page", ["0"])[0]))).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the worker that asked was killed

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the hook's signature
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/api/v1"
        finally:
            for gate in self.gates.values():
                gate.set()
            server.shutdown()
            server.server_close()


def term(number: int) -> str:
    """The search term (and source name) of source `number`."""
    return f"brand-{number}"


def add_a_live_and_a_stalled_worker(connection: Any) -> tuple[int, int]:
    """A worker sending heartbeats and one silent for ten minutes, each running a poll, and two jobs waiting
    (poll, process) in the queue's tables; `connection`: a SQLAlchemy connection. Returns (live, stalled) ids."""
    from sqlalchemy import text

    alive = connection.execute(text("INSERT INTO procrastinate_workers DEFAULT VALUES RETURNING id")).scalar_one()
    dead = connection.execute(text("INSERT INTO procrastinate_workers (last_heartbeat) "
                                   "VALUES (now() - interval '10 minutes') RETURNING id")).scalar_one()
    connection.execute(text(
        "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, worker_id, lock) VALUES "
        "('poll', 'ror.poll', '{\"source\": \"brand-0\"}', 'doing', :dead, 'source:brand-0'), "
        "('poll', 'ror.poll', '{\"source\": \"brand-1\"}', 'doing', :alive, 'source:brand-1'), "
        "('poll', 'ror.poll', '{\"source\": \"brand-2\"}', 'todo', NULL, NULL), "
        "('process', 'ror.process', '{\"profile\": \"agency\"}', 'todo', NULL, NULL)"),
        {"dead": dead, "alive": alive})
    return alive, dead


def write_config(directory: Path, database_url: str, base_url: str, sources: int, interval_seconds: float,
                 stop_timeout: float = 10, page_size: int = 2) -> Path:
    """A ror.toml with one profile and `sources` Hacker News sources on the fake platform."""
    lines = ["[database]", f'url = "{database_url}"', "", "[daemon]", "health = false", "jitter_seconds = 0",
             f"interval_override_seconds = {interval_seconds}", f"stop_timeout_seconds = {stop_timeout}", "",
             "[[profiles]]", 'name = "agency"', 'timezone = "Europe/Amsterdam"']
    for number in range(sources):
        lines += ["", "[[profiles.sources]]", f'name = "{term(number)}"', 'platform = "hackernews"',
                  f'base_url = "{base_url}"', f'search = ["{term(number)}"]', "threads = false",
                  f"page_size = {page_size}", "min_interval_seconds = 0", "interval_minutes = 1"]
    path = directory / "ror.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class WorkerProcess:
    """One `ror worker` process; a thread copies its output to a log file and announces every line."""

    process: subprocess.Popen[bytes]
    log: Path
    _output: bytearray = field(default_factory=bytearray)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, config: Path, log: Path, *args: str) -> WorkerProcess:
        """Start `ror worker --config <config> <args>`, its output copied to `log`."""
        command = [sys.executable, "-c", "from listener.cli.main import main; main()", "worker", "--config",
                   str(config), *args]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        worker = cls(process, log)
        threading.Thread(target=worker._copy_output, daemon=True).start()
        return worker

    def _copy_output(self) -> None:
        assert self.process.stdout is not None
        with self.log.open("wb") as handle:
            for line in self.process.stdout:
                handle.write(line)
                handle.flush()
                with self._lock:
                    self._output += line
                announce()
        announce()  # the process ended: a waiter may want to know

    def text(self) -> str:
        """What it wrote so far."""
        with self._lock:
            return self._output.decode(errors="replace")

    def signal(self, number: int) -> None:
        """Send a signal if it still runs."""
        if self.process.poll() is None:
            self.process.send_signal(number)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM and wait; the exit code."""
        self.signal(signal.SIGTERM)
        return self.wait_exit(timeout)

    def wait_exit(self, timeout: float = 30) -> int:
        """Wait for the process to end; the exit code (AssertionError, after SIGKILL, past `timeout`)."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"worker did not drain within {timeout}s:\n{self.text()[-3000:]}") from None


@contextmanager
def workers(config: Path, directory: Path, count: int, *args: str) -> Iterator[list[WorkerProcess]]:
    """`count` worker processes; every one still running at the end is killed."""
    started = [WorkerProcess.start(config, directory / f"worker-{n}.log", *args) for n in range(count)]
    try:
        yield started
    finally:
        for worker in started:
            if worker.process.poll() is None:
                worker.process.kill()
                worker.process.wait()


@dataclass
class Cluster:
    """A throwaway PostgreSQL cluster of one test, which the test may stop and start."""

    bindir: Path
    data: Path
    log: Path
    options: str
    url: str

    def pg_ctl(self, *args: str) -> None:
        """Run pg_ctl on this cluster (as the server user when we are root)."""
        subprocess.run(_as_server_user([str(self.bindir / "pg_ctl"), "-D", str(self.data), *args]),
                       check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        """Stop the server (fast: open sessions are cut, as in a restart)."""
        self.pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        """Start it again on the same port."""
        self.pg_ctl("-w", "-l", str(self.log), "-o", self.options, "start")


@contextmanager
def restartable_cluster() -> Iterator[Cluster | None]:
    """initdb + start on 127.0.0.1:<free port>; None when no PostgreSQL server is installed here."""
    bindir = find_bindir()
    if bindir is None:
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="ror-pg-restart-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    port = _free_port()
    cluster = Cluster(bindir, root / "data", root / "log", f"-p {port} -h 127.0.0.1 -k {root} -c fsync=off",
                      f"postgresql+psycopg://ror@127.0.0.1:{port}/postgres")
    subprocess.run(_as_server_user([str(bindir / "initdb"), "-D", str(cluster.data), "-U", "ror", "--auth=trust",
                                   "-E", "UTF8"]), check=True, capture_output=True, timeout=120)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)

