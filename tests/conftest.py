"""Shared test fixtures: a real SQLite file, a fixed clock, a recorded sleep."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from bench.sentiment_corpora import external_dir, find_corpus
from listener.storage.engine import open_database
from tests.postgres_server import URL_ENV, postgres_url
from tests.real_recordings import have_real_recordings

# The replay tier reads real recordings kept outside the repository (tests/real_recordings.py):
# without them its modules are not collected at all, so a run reports no skips for them.
REPLAY_TIER = ["test_real_*.py", "test_schema_drift.py"]
# The Bluesky reference tier needs servers installed outside the repository (tests/bluesky_reference/setup.sh):
# collected only when ROR_BLUESKY_REFERENCE=1 says they are there (.ci/run sets it), never skipped.
REFERENCE_TIER = ["test_bluesky_reference.py"]
# The sentiment-corpora tier reads labelled corpora kept outside the repository ($ROR_SENTIMENT_CORPORA or the
# shared folder, bench/sentiment_corpora.py): collected only when the German tweets and the XED subtitles the
# NL/DE/FR/ES models are trained and measured on are all there, never skipped.
CORPORA_TIER = ["test_sentiment_corpora_*.py"]
CORPORA_TIER_NEEDS = ("sb10k_de", "sb10kfull_de", "potts_de", "xed_nl", "xed_de", "xed_fr", "xed_es")
collect_ignore_glob = ([] if have_real_recordings() else REPLAY_TIER) + (
    [] if os.environ.get("ROR_BLUESKY_REFERENCE") == "1" else REFERENCE_TIER) + (
    [] if all(find_corpus(external_dir(), name) for name in CORPORA_TIER_NEEDS) else CORPORA_TIER)

FIXED_NOW = datetime(2026, 11, 18, 13, 0, tzinfo=UTC)


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class RecordedSleep:
    """A sleep that records how long it was asked to wait and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleep() -> RecordedSleep:
    return RecordedSleep()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{tmp_path / 'ror.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A PostgreSQL server for the whole run: required (.ci/run installs it), so a missing one fails."""
    with postgres_url() as url:
        if url is None:
            pytest.fail(f"no PostgreSQL server: install Debian's postgresql package or set ${URL_ENV}")
        yield url


@pytest.fixture
def empty_pg_url(server_url: str) -> Iterator[str]:
    """The URL of a new, empty database on that server (no schema yet), dropped afterwards."""
    name = f"ror_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_engine(empty_pg_url: str) -> Iterator[Engine]:
    """A fresh, migrated database on that server, dropped afterwards."""
    engine = open_database(empty_pg_url)
    yield engine
    engine.dispose()
