"""One `ror run` per database: the lock file beside SQLite refuses a second holder and dies with its process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from listener.daemon.lock import AlreadyRunningError, acquire_instance_lock, lock_file_for

HOLD_LOCK = """
import sys
from sqlalchemy import create_engine
from listener.daemon.lock import acquire_instance_lock
lock = acquire_instance_lock(create_engine(sys.argv[1]))
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_second_holder_is_refused_with_the_lock_file_and_pid_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ror.db'}"
    with acquire_instance_lock(create_engine(url)):
        with pytest.raises(AlreadyRunningError) as refused:
            acquire_instance_lock(create_engine(url))
    message = str(refused.value)
    assert "already running" in message and str(tmp_path / "ror.db.lock") in message
    assert f"pid {os.getpid()}" in message


def test_the_lock_is_free_again_after_release(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ror.db'}"
    acquire_instance_lock(create_engine(url)).release()
    with acquire_instance_lock(create_engine(url)) as lock:
        assert "lock file" in lock.description
    assert lock_file_for(str(tmp_path / "ror.db")).exists()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ror.db'}"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, url], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(AlreadyRunningError):
            acquire_instance_lock(create_engine(url))
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    with acquire_instance_lock(create_engine(url)):
        pass


def test_databases_in_different_files_do_not_share_a_lock(tmp_path: Path) -> None:
    with acquire_instance_lock(create_engine(f"sqlite:///{tmp_path / 'a.db'}")):
        with acquire_instance_lock(create_engine(f"sqlite:///{tmp_path / 'b.db'}")):
            pass
