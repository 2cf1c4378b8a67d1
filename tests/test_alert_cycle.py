"""The alert cycle on a real SQLite file: a replayed drop alerts once, an outage alerts as an outage,
the index detector, dedup across cycles and restarts, and the migration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select
from sqlmodel import SQLModel

from listener.alerts import list_alerts, run_alert_cycle
from listener.config.settings import Config
from listener.storage.alert_models import AlertStateRow
from listener.storage.engine import make_engine, open_database
from listener.storage.models import (
    AuthorRow,
    IndexPointRow,
    ItemProfileRow,
    ItemRow,
    SentimentRow,
    SyncRunRow,
)
from listener.storage.store import ensure_profile
from listener.storage.upsert import table_of, upsert_rows
from scoring.sentiment import SCORER_VERSION
from tests.conftest import FakeClock
from tests.migration_config import migration_config
from tests.test_alert_noise import Drop, local, simulate

SOURCE = {"name": "acme-mastodon", "platform": "mastodon", "base_url": "https://mastodon.example", "account": "acme"}


def make_config(tmp_path: Path, *, sources: bool = False, channels: Sequence[dict[str, Any]] = (),
                alerts: dict[str, Any] | None = None) -> Config:
    """A one-profile config (Europe/Berlin) with optional source, channels and alert settings."""
    profile: dict[str, Any] = {"name": "acme", "timezone": "Europe/Berlin", "alerts": alerts or {}}
    if sources:
        profile["sources"] = [SOURCE]
    config = Config.model_validate({"profiles": [profile], "channels": list(channels)})
    config.path = tmp_path / "ror.toml"
    return config


def add_items(engine: Engine, rows: Sequence[tuple[datetime, str, float]], prefix: str = "i") -> None:
    """Store inbound replies with their sentiment scores, as sync + score would."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, "acme", "Europe/Berlin")
        ids = [f"mastodon.example:{prefix}{n}" for n in range(len(rows))]
        upsert_rows(connection, AuthorRow, [{"platform": "mastodon", "external_id": "a1", "handle": "carol<b>",
                                             "updated_at": now}], ["platform", "external_id"])
        upsert_rows(connection, ItemRow, [
            {"platform": "mastodon", "external_id": i, "kind": "reply", "author_external_id": "a1",
             "text": f"item {i} <script>alert(1)</script>" if c < -0.5 else f"item {i}",
             "url": f"https://mastodon.example/@carol/{n}", "created_at": t, "fetched_at": now}
            for n, (i, (t, _, c)) in enumerate(zip(ids, rows, strict=True))], ["platform", "external_id"])
        upsert_rows(connection, ItemProfileRow, [
            {"profile_id": profile_id, "platform": "mastodon", "external_id": i, "role": "inbound",
             "source": SOURCE["name"], "created_at": t} for i, (t, _, _) in zip(ids, rows, strict=True)],
            ["profile_id", "platform", "external_id"])
        upsert_rows(connection, SentimentRow, [
            {"platform": "mastodon", "external_id": i, "scorer_version": SCORER_VERSION, "status": s,
             "compound": c, "language": "en", "language_source": "platform", "scored_at": now}
            for i, (_, s, c) in zip(ids, rows, strict=True)], ["platform", "external_id", "scorer_version"])


def add_run(engine: Engine, started_at: datetime, status: str = "ok", error: str | None = None) -> None:
    """One finished sync run of the source."""
    with engine.begin() as connection:
        connection.execute(table_of(SyncRunRow).insert().values(
            source=SOURCE["name"], started_at=started_at, ended_at=started_at + timedelta(minutes=1),
            status=status, error=error))


def cycles(engine: Engine, config: Config, start: datetime, end: datetime, step: timedelta,
           before: Any = None) -> FakeClock:
    """Run the alert cycle every `step` from start to end (`before(now)` runs first, as a sync would)."""
    clock = FakeClock(start)
    while clock.now <= end:
        if before:
            before(clock.now)
        run_alert_cycle(engine, config, clock)
        clock.now += step
    return clock


def conditions(engine: Engine) -> list[tuple[str, datetime]]:
    """(condition, observed_at) of every stored alert, oldest first."""
    return sorted((a["condition"], datetime.fromisoformat(a["observed_at"])) for a in list_alerts(engine, limit=1000))


def test_a_replayed_series_with_one_drop_alerts_once_at_the_right_window(engine: Engine, tmp_path: Path) -> None:
    add_items(engine, simulate(20, seed=11, drops=[Drop(local(16, 12), local(17, 0))]))
    config = make_config(tmp_path)
    cycles(engine, config, local(10) + timedelta(minutes=15), local(20), timedelta(hours=6))
    assert conditions(engine) == [("sentiment_drop:6h", local(17, 0))]
    alert = list_alerts(engine)[0]
    facts = alert["facts"]
    assert alert["window_start"] == local(16, 12).isoformat() and facts["volume"] >= 20
    assert facts["readings"]["net"]["value"] < facts["readings"]["net"]["baseline"]
    items = facts["items"]
    assert 0 < len(items) <= 5 and all(i["compound"] <= -0.05 for i in items)
    assert items == sorted(items, key=lambda i: i["compound"]) and items[0]["url"].startswith("https://")
    assert all(local(16, 12).isoformat() <= i["created_at"] < local(17).isoformat() for i in items)


def test_a_first_run_learns_from_history_without_alerting_on_old_windows(engine: Engine, tmp_path: Path) -> None:
    add_items(engine, simulate(20, seed=11, drops=[Drop(local(10, 12), local(11, 0))]))
    run_alert_cycle(engine, make_config(tmp_path), FakeClock(local(19, 1)))
    assert conditions(engine) == []
    with engine.connect() as connection:
        state = connection.execute(select(table_of(AlertStateRow).c.state)
                                   .where(table_of(AlertStateRow).c.detector == "sentiment_drop")).scalar_one()
    assert state["series"]["6h"]["last_end"] == local(19, 0).isoformat()
    assert state["series"]["6h"]["baselines"]["net"][2] >= 40  # learnt from the stored weeks


def test_a_connector_outage_fires_connector_down_not_sentiment_drop(engine: Engine, tmp_path: Path) -> None:
    outage = (local(15, 9), local(17, 9))
    rows = [r for r in simulate(20, seed=4) if not outage[0] <= r[0] < outage[1]]
    add_items(engine, rows)
    config = make_config(tmp_path, sources=True)

    error = "statuses: GET https://mastodon.example/api/v1/accounts/1/statuses: 503 Service Unavailable"

    def sync(now: datetime) -> None:
        down = outage[0] <= now < outage[1]
        add_run(engine, now - timedelta(minutes=5), "failed" if down else "ok", error if down else None)

    cycles(engine, config, local(13), local(20), timedelta(hours=1), before=sync)
    assert conditions(engine) == [("connector_down:acme-mastodon", local(15, 9) - timedelta(minutes=5))]
    facts = list_alerts(engine)[0]["facts"]
    assert facts["source"] == "acme-mastodon" and facts["platform"] == "mastodon" and "503" in facts["last_error"]
    assert facts["down_minutes"] >= 60


def test_windows_wait_for_a_failing_source_then_count_its_backlog(engine: Engine, tmp_path: Path) -> None:
    config = make_config(tmp_path, sources=True)
    add_items(engine, simulate(15, seed=6))
    add_run(engine, local(15, 0))
    run_alert_cycle(engine, config, FakeClock(local(15) + timedelta(minutes=10)))
    add_run(engine, local(15, 12), "failed", "timed out")
    run_alert_cycle(engine, config, FakeClock(local(16, 0)))
    with engine.connect() as connection:
        state = connection.execute(select(table_of(AlertStateRow).c.state)
                                   .where(table_of(AlertStateRow).c.detector == "sentiment_drop")).scalar_one()
    assert state["series"]["6h"]["last_end"] == local(15, 0).isoformat()  # nothing judged while data is missing
    # The source comes back with a bad afternoon in its backlog: judged on complete data, it alerts.
    backlog = simulate(17, seed=6, drops=[Drop(local(15, 12), local(16, 0), positive=0.1, negative=0.6)])
    add_items(engine, [r for r in backlog if local(15) <= r[0] < local(16, 1)], prefix="late")
    add_run(engine, local(16, 1))
    run_alert_cycle(engine, config, FakeClock(local(16, 1) + timedelta(minutes=5)))
    assert ("sentiment_drop:6h", local(16, 0)) in conditions(engine)


def test_connector_down_alerts_once_per_outage_and_again_after_recovery(engine: Engine, tmp_path: Path) -> None:
    config = make_config(tmp_path, sources=True)
    clock = FakeClock(local(1, 0))

    def run(statuses: str) -> None:
        for status in statuses.split():
            add_run(engine, clock.now, status, None if status == "ok" else "401 Unauthorized: check $TOKEN")
            clock.now += timedelta(minutes=30)
            run_alert_cycle(engine, config, clock)

    run("ok failed failed failed failed ok ok failed failed failed")  # flapping inside the 6 h cooldown
    first = [("connector_down:acme-mastodon", local(1) + timedelta(minutes=30))]
    assert conditions(engine) == first
    run("ok " * 12)  # recovered, cooldown over
    run("failed failed failed")
    assert conditions(engine) == [*first, ("connector_down:acme-mastodon", local(1, 11))]


def add_index(engine: Engine, values: dict[date, float]) -> None:
    """Index points of one formula series with these running values."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, "acme", "Europe/Berlin")
        upsert_rows(connection, IndexPointRow, [
            {"profile_id": profile_id, "day": day, "formula_version": "ror-test", "coverage": 1.0,
             "daily_index": value, "running_index": value, "provisional": day >= max(values) - timedelta(days=1),
             "computed_at": now} for day, value in values.items()], ["profile_id", "day", "formula_version"])


def test_the_running_index_falling_ten_points_in_a_week_alerts_once(engine: Engine, tmp_path: Path) -> None:
    days = [local(0).astimezone(local(0).tzinfo).date() + timedelta(days=n) for n in range(20)]
    add_index(engine, {d: 62.0 if n < 10 else 62.0 - 2 * (n - 9) for n, d in enumerate(days)})
    config = make_config(tmp_path, alerts={"sentiment_drop": {"enabled": False}, "volume_spike": {"enabled": False}})
    run_alert_cycle(engine, config, FakeClock(local(14, 12)))
    run_alert_cycle(engine, config, FakeClock(local(15, 12)))
    alerts = list_alerts(engine)
    assert [a["condition"] for a in alerts] == ["index_drop:index"]
    facts = alerts[0]["facts"]
    assert facts["drop"] >= 10 and facts["provisional"] is True and "index down" in alerts[0]["title"]


def test_the_same_cycle_twice_and_a_restart_store_one_alert(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ror.db'}"
    engine = open_database(url)
    add_items(engine, simulate(20, seed=11, drops=[Drop(local(16, 12), local(17, 0))]))
    config = make_config(tmp_path)
    cycles(engine, config, local(14), local(17, 1), timedelta(hours=6))
    run_alert_cycle(engine, config, FakeClock(local(17, 1)))
    engine.dispose()
    restarted = open_database(url)
    cycles(restarted, config, local(17, 2), local(18), timedelta(hours=1))
    assert conditions(restarted) == [("sentiment_drop:6h", local(17, 0))]
    restarted.dispose()


ALERT_TABLES = {"alerts", "alert_deliveries", "alert_states"}


def test_migration_0002_upgrades_and_downgrades_and_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    config = migration_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    assert ALERT_TABLES <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert [d for d in diff if any(t in repr(d) for t in ALERT_TABLES)] == []
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert not ALERT_TABLES & set(inspect(engine).get_table_names())
    engine.dispose()


def test_the_alert_cycle_on_postgresql_stores_one_alert_and_delivers_it(pg_engine: Engine, tmp_path: Path) -> None:
    from tests.test_alert_delivery import WebhookServer

    add_items(pg_engine, simulate(18, seed=11, drops=[Drop(local(16, 12), local(17, 0))]))
    server = WebhookServer()
    try:
        config = make_config(tmp_path, channels=[{"name": "hook", "kind": "webhook", "url": f"{server.url}/in"}])
        cycles(pg_engine, config, local(15) + timedelta(minutes=5), local(17, 6), timedelta(hours=6))
    finally:
        server.close()
    assert conditions(pg_engine) == [("sentiment_drop:6h", local(17, 0))]
    assert [d["status"] for d in list_alerts(pg_engine)[0]["deliveries"]] == ["delivered"]
    assert [body["condition"] for _, _, body in server.requests] == ["sentiment_drop:6h"]
