"""The index on a real PostgreSQL server: the same SQL, the same series, incremental equal to full."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, create_engine, text

from listener.aggregate import recompute_profile
from listener.storage.engine import open_database
from tests.postgres_server import URL_ENV, postgres_url
from tests.test_index_incremental import Story, snapshot
from tests.test_index_pipeline import NOW, Store, profile_with


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with postgres_url() as url:
        if url is None:
            message = f"no PostgreSQL server: install Debian's postgresql package or set ${URL_ENV}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        yield url


@pytest.fixture
def pg_engine(server_url: str) -> Iterator[Engine]:
    name = f"ror_index_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = open_database(server_url.rsplit("/", 1)[0] + f"/{name}")
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_postgres_incremental_updates_equal_a_full_recompute(pg_engine: Engine) -> None:
    assert pg_engine.dialect.name == "postgresql"
    store = Store(pg_engine, profile_with())
    story = Story(store, seed=11)
    moment = NOW - timedelta(days=4)
    for step in range(4):
        story.batch(moment - timedelta(hours=8), 8, now=moment)
        if step == 2:
            story.batch(NOW - timedelta(days=8), 20, now=moment)
        store.aggregate(now=moment)
        moment += timedelta(days=1)
    incremental = snapshot(pg_engine)
    recompute_profile(pg_engine, store.profile, clock=lambda: moment - timedelta(days=1))
    assert snapshot(pg_engine) == incremental
    assert len(incremental["index_points"]) == 8 and incremental["engagers"]
