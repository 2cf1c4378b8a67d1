"""Kill test: SIGKILL `ror run` at random points during syncs (seeded), restart it each time; the final
database equals the one an uninterrupted run leaves: no lost item, no duplicate, cursors consistent."""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.mastodon.connector import id_order
from listener.demo.dataset import DemoWorld
from listener.demo.mastodon_replay import start_replay_server
from tests.test_daemon_e2e import (
    STOP_TIMEOUT,
    TOKEN,
    TOKEN_ENV,
    WAIT_SECONDS,
    DaemonProcess,
    cursors,
    daemon_env,
    ok_runs,
    query,
    scalar,
    world_with_languages,
    write_config,
)

KILLS = 20
SEED = 20261123
# The demo brand's six weeks: a first sync is some 30 pages in the cursor streams, so several
# kills land in the backfill. Only posts of the last two days are re-read on every sync (a
# short refresh stream, so the streams after it are reached between kills too).
REFRESH_DAYS = 2
MAX_ITEMS_BETWEEN_KILLS = 200  # during the backfill: five pages at most
INTERVAL_SECONDS = 0.3  # the daemon polls back to back, so a kill nearly always lands in a sync

# Everything a sync stores, minus what depends on when it ran (fetched_at, observed_at, ids).
SNAPSHOT = {
    "items": "select platform, external_id, kind, author_external_id, parent_external_id, root_external_id, "
             "text, language, url, rating, likes, shares, replies, quotes, views, created_at, raw from items",
    "item_profiles": "select p.name, l.platform, l.external_id, l.role, l.source, l.created_at "
                     "from item_profiles l join profiles p on p.id = l.profile_id",
    "authors": "select platform, external_id, handle, display_name, url, followers, following from authors",
    "accounts": "select p.name, a.platform, a.external_id, a.handle, a.source from accounts a "
                "join profiles p on p.id = a.profile_id",
    "engagement_events":
        "select platform, item_external_id, actor_external_id, kind, occurred_at from engagement_events",
    "counter_snapshots": "select platform, external_id, likes, shares, replies, quotes, views from counter_snapshots",
    "sync_cursors": "select source, stream, cursor from sync_cursors",
    "quarantine": "select source, stream, digest, external_id, error from quarantine",
    "sentiment_scores":
        "select platform, external_id, scorer_version, status, compound, language from sentiment_scores",
}


# Restarting `ror run` twenty times would spend most of the test importing the same modules
# (seconds each on a busy machine), so one single-threaded process imports the CLI once and
# forks a child per start; each child runs the real `ror run` command and is killed as such.
ZYGOTE = r"""
import json, os, sys
from listener.cli.main import app
for line in sys.stdin:
    command, *args = json.loads(line)
    if command == "start":
        config, log = args
        pid = os.fork()
        if pid == 0:
            os.dup2(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND), 2)
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            code = 1
            try:
                app(["run", "--config", config])
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else 1
            finally:
                os._exit(code)
        print(pid, flush=True)
    elif command == "wait":
        _, status = os.waitpid(args[0], 0)
        print(os.waitstatus_to_exitcode(status), flush=True)
"""


class Zygote:
    """The forking starter: `start` gives a pid, `wait` reaps it and gives its exit code."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", ZYGOTE], env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    def ask(self, *command: Any, timeout: float = WAIT_SECONDS) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            raise subprocess.TimeoutExpired(str(command), timeout)
        return int(self.process.stdout.readline())

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=WAIT_SECONDS)


class ForkedDaemon(DaemonProcess):
    """A `ror run` forked by the zygote: the same waits, stop and kill as a spawned one."""

    def __init__(self, zygote: Zygote, config: Path) -> None:
        stderr_path = config.parent / "daemon.log"
        self.zygote, self.pid = zygote, zygote.ask("start", str(config), str(stderr_path))
        super().__init__(None, stderr_path, config.parent / "ror.db")  # type: ignore[arg-type]

    def exited(self) -> bool:
        """A child that exited is a zombie until the zygote reaps it."""
        return Path(f"/proc/{self.pid}/stat").read_text().split(") ", 1)[1].startswith("Z")

    def pause(self, seconds: float) -> bool:
        """Wait a while; False if the daemon exited meanwhile."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.exited():
                return False
            select.select([], [], [], min(0.02, max(0.0, deadline - time.monotonic())))
        return not self.exited()

    def stop(self, timeout: float = STOP_TIMEOUT + 10, how: signal.Signals = signal.SIGTERM) -> tuple[int, float]:
        started = time.monotonic()
        os.kill(self.pid, how)
        return self.zygote.ask("wait", self.pid, timeout=timeout), time.monotonic() - started

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self.zygote.ask("wait", self.pid)


def assert_no_post_near_the_refresh_boundary(world: DemoWorld) -> None:
    """Both runs must re-read the same posts: none may cross the refresh window while the test runs."""
    posts = [s.offset for s in world.statuses
             if s.account_id == world.brand.id and s.in_reply_to is None and s.reblog_of is None]
    closest = min(abs(offset - REFRESH_DAYS * 86400) for offset in posts)
    assert closest > 3600, "pick another REFRESH_DAYS: a post sits within an hour of the window's edge"


def snapshot(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted; duplicates stay (a duplicate would show as a difference)."""
    return {table: sorted(query(database, sql), key=repr) for table, sql in SNAPSHOT.items()}


def settled(database: Path, after_run: int) -> bool:
    """Two ok syncs finished after `after_run` and every item has its score.

    Two, because one sync is not a fixed point: replies found through mentions are stored
    without their thread root (that stream runs after the refresh stream that knows it), and
    the second sync's refresh puts the root back. Many short syncs reach the same state.
    """
    return ok_runs(database, after_id=after_run) >= 2 and \
        scalar(database, "select count(*) from items") == scalar(database, "select count(*) from sentiment_scores")


def run_to_completion(zygote: Zygote, config: Path) -> None:
    """Start the daemon, let it finish two whole syncs and scoring uninterrupted, stop it with SIGTERM."""
    database = config.parent / "ror.db"
    last = scalar(database, "select max(id) from sync_runs") or 0
    daemon = ForkedDaemon(zygote, config)
    daemon.wait_for(lambda: settled(database, last), "two complete syncs and their scores")
    code, _ = daemon.stop()
    assert code == 0, daemon.stderr()[-3000:]


@dataclass
class Reference:
    """What the uninterrupted run holds, for the checks after each kill."""

    brand_ids: list[str]
    tagged_ids: list[str]
    items: set[str]


def reference_of(database: Path) -> Reference:
    brand = scalar(database, "select external_id from accounts")
    rows = query(database, "select external_id, author_external_id, raw from items")
    tagged = [r[0] for r in rows
              if any(t.get("name", "").lower() == "acmecoffee" for t in json.loads(r[2]).get("tags") or [])]
    return Reference([r[0] for r in rows if r[1] == brand], tagged, {r[0] for r in rows})


def local(external_id: str) -> tuple[int, str]:
    return id_order(external_id.rsplit("/", 1)[1])


@dataclass
class KillLog:
    """What the kills hit and what the checks after each found."""

    mid_sync: int = 0
    between_syncs: int = 0
    items_after_kill: list[int] = field(default_factory=list)
    cursor_moves: int = 0
    problems: list[str] = field(default_factory=list)


def check_after_kill(database: Path, reference: Reference, previous: dict[str, str], log: KillLog) -> dict[str, str]:
    """Cursors never go back, and everything a cursor claims is stored really is."""
    now = cursors(database)
    stored = {r[0] for r in query(database, "select external_id from items")}
    for stream, cursor in previous.items():
        if stream not in now or id_order(now[stream]) < id_order(cursor):
            log.problems.append(f"cursor {stream} went back from {cursor} to {now.get(stream)}")
    log.cursor_moves += sum(now.get(s) != c for s, c in previous.items()) + len(set(now) - set(previous))
    for stream, expected in (("statuses", reference.brand_ids), ("tag:acmecoffee", reference.tagged_ids)):
        if stream in now:
            lost = [i for i in expected if local(i) <= id_order(now[stream]) and i not in stored]
            if lost:
                log.problems.append(f"{stream} cursor {now[stream]} claims {len(lost)} items that are not stored")
    if stored - reference.items:
        log.problems.append(f"{len(stored - reference.items)} items the uninterrupted run does not have")
    log.items_after_kill.append(len(stored))
    return now


def kill_during_a_sync(daemon: DaemonProcess, rng: random.Random, log: KillLog, total_items: int) -> None:
    """Wait for this process's first sync to start, let it run a random while, SIGKILL it.

    While the backfill is under way, "a while" is a random number of newly stored items, so
    the kills spread over the backfill whatever the machine's speed; after it, a random part
    of the last sync's duration, so they land inside the (shorter) re-syncs.
    """
    database = daemon.database
    before = scalar(database, "select max(id) from sync_runs") or 0
    run = daemon.wait_for(lambda: scalar(database, "select max(id) from sync_runs where status = 'running' "
                                                   "and id > ?", before), "a sync to start", every=0.01)
    stale = scalar(database, "select count(*) from sync_runs where status = 'running' and id < ?", run)
    if stale:
        log.problems.append(f"{stale} run(s) killed earlier still marked running after a restart")
    stored = items_stored(database)
    if stored < total_items:
        target = stored + rng.randint(1, MAX_ITEMS_BETWEEN_KILLS)
        daemon.wait_for(lambda: items_stored(database) >= target or scalar(
            database, "select status from sync_runs where id = ?", run) != "running", "more items", every=0.01)
    elif not daemon.pause(rng.uniform(0, last_sync_seconds(database))):
        raise AssertionError(f"ror run exited on its own:\n{daemon.stderr()[-3000:]}")
    daemon.kill()
    running = scalar(database, "select count(*) from sync_runs where status = 'running'")
    log.mid_sync += bool(running)
    log.between_syncs += not running


def last_sync_seconds(database: Path) -> float:
    """How long the last complete sync took (a second if none finished yet)."""
    seconds = scalar(database, "select (julianday(ended_at) - julianday(started_at)) * 86400 from sync_runs "
                               "where status = 'ok' order by id desc limit 1")
    return float(seconds) if seconds else 1.0


def items_stored(database: Path) -> int:
    return scalar(database, "select count(*) from items") or 0


def test_sigkill_at_random_points_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    zygote = Zygote(daemon_env(**{TOKEN_ENV: TOKEN}))
    world = world_with_languages()
    assert_no_post_near_the_refresh_boundary(world)
    with start_replay_server(world, require_token=TOKEN, rate_limit=100_000) as server:
        reference_config = write_config(tmp_path / "reference", server.url, interval=INTERVAL_SECONDS,
                                        health=False, refresh_days=REFRESH_DAYS)
        run_to_completion(zygote, reference_config)
        reference_db = reference_config.parent / "ror.db"
        reference = reference_of(reference_db)

        config = write_config(tmp_path / "killed", server.url, interval=INTERVAL_SECONDS, health=False,
                              refresh_days=REFRESH_DAYS)
        log, seen = KillLog(), dict[str, str]()
        for _ in range(KILLS):
            kill_during_a_sync(ForkedDaemon(zygote, config), rng, log, len(reference.items))
            seen = check_after_kill(config.parent / "ror.db", reference, seen, log)
        run_to_completion(zygote, config)
    zygote.close()

    print(f"\nkill test: {KILLS} kills (seed {SEED}), {log.mid_sync} during a sync, {log.between_syncs} between; "
          f"items stored after each kill: {log.items_after_kill}; cursor moves seen: {log.cursor_moves}; "
          f"problems: {log.problems or 'none'}")
    assert log.problems == []
    assert log.mid_sync >= KILLS * 2 // 3, "most kills must land while a sync is running"
    in_backfill = sum(n < len(reference.items) for n in log.items_after_kill)
    assert in_backfill >= 4 and log.cursor_moves >= 4, "several kills must land while cursors still move"
    killed, uninterrupted = snapshot(config.parent / "ror.db"), snapshot(reference_db)
    for table in SNAPSHOT:
        assert killed[table] == uninterrupted[table], f"{table} differs from the uninterrupted run"
    assert len(uninterrupted["items"]) > 1000 and len(uninterrupted["sync_cursors"]) == 3
