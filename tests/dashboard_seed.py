"""A seeded dashboard database: the fixed export dataset, a hostile item, an alert with deliveries, three users."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from connectors.base import Author, Page
from listener.alerts.outbox import NewAlert, store_alerts
from listener.config.alerts import ChannelConfig
from listener.config.settings import Config
from listener.dashboard.users import add_user
from listener.index.aggregate import aggregate_profile
from listener.storage.alert_models import AlertDeliveryRow
from listener.storage.engine import open_database
from listener.storage.models import SentimentRow
from listener.storage.store import ensure_profile, save_page
from listener.storage.upsert import table_of, upsert_rows
from scoring.sentiment import SCORER_VERSION
from tests.test_export_data import EXPORT_NOW, build_dataset, item, profile_config, utc

PASSWORD = "correct horse battery"
USERS = {"ada": "admin", "ed": "editor", "vic": "viewer"}
# Each payload would set a flag the tests read back: the page title, a body attribute, a window property.
HOSTILE_TEXT = ('<script>window.__pwned = 1; document.title = "XSS"</script> "><img src=x '
                'onerror="document.body.setAttribute(\'data-xss\', \'ran\')"> why is my order late?'
                ' <a href="javascript:window.__pwned=2">track</a>')
HOSTILE_NAME = '"><img src=x onerror="window.__pwned=3"><script>window.__pwned=4</script>'
HOSTILE_URL = "javascript:window.__pwned=5"
HOSTILE_ID = "m:x1"


def _hostile_item(connection: object, profile_id: int) -> None:
    author = Author("mastodon", "m:hostile", HOSTILE_NAME, display_name=HOSTILE_NAME, url=HOSTILE_URL)
    hostile = item("mastodon", "x1", "mention", author, utc(10, 25, 9), HOSTILE_TEXT, url=HOSTILE_URL)
    save_page(connection, profile_id, "test", "test", Page(items=[hostile]), utc(10, 26, 6))
    upsert_rows(connection, SentimentRow, [{
        "platform": "mastodon", "external_id": HOSTILE_ID, "scorer_version": SCORER_VERSION, "status": "scored",
        "compound": -0.4, "language": "en", "language_source": "platform", "scored_at": EXPORT_NOW}],
        ["platform", "external_id", "scorer_version"])


def _alert(connection: object, profile_id: int) -> None:
    channels = [ChannelConfig.model_validate({"name": "team-mail", "kind": "email", "smtp_host": "127.0.0.1",
                                              "to": ["team@example.org"], "from_address": "ror@example.org"}),
                ChannelConfig.model_validate({"name": "chat", "kind": "webhook", "url": "http://127.0.0.1:9/hook"})]
    store_alerts(connection, profile_id, [NewAlert(  # type: ignore[arg-type]
        "sentiment_drop", "sentiment_drop:day", None, utc(10, 22, 12), "Negative mentions up 4x <b>today</b>",
        False, {"negative": 12})], channels, utc(10, 22, 12))
    deliveries = table_of(AlertDeliveryRow)
    connection.execute(deliveries.update().where(deliveries.c.channel == "team-mail")  # type: ignore[attr-defined]
                       .values(status="delivered", attempts=1, delivered_at=utc(10, 22, 12, 1)))
    connection.execute(deliveries.update().where(deliveries.c.channel == "chat")  # type: ignore[attr-defined]
                       .values(status="retrying", attempts=3, last_error="connection refused"))


def seeded_database(directory: Path, users: bool = True) -> tuple[Config, Engine]:
    """Build the database in `directory` and a config for it; the clock to use is EXPORT_NOW."""
    url = f"sqlite:///{directory / 'ror.db'}"
    return seed(open_database(url), url, users)


def seed(engine: Engine, url: str, users: bool = True) -> tuple[Config, Engine]:
    """Fill a migrated, empty database (SQLite or PostgreSQL) and return a config naming it."""
    profile = build_dataset(engine, profile_config())
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, profile.name, profile.timezone)
        _hostile_item(connection, profile_id)
        _alert(connection, profile_id)
    aggregate_profile(engine, profile, clock=lambda: EXPORT_NOW + timedelta(minutes=1))
    if users:
        for name, role in USERS.items():
            add_user(engine, name, role, PASSWORD, clock=lambda: EXPORT_NOW)
    config = Config.model_validate({"database": {"url": url},
                                    "profiles": [profile.model_dump()]})
    return config, engine


def stored_ids(engine: Engine, model: type) -> list[int]:
    """The ids of a table's rows (for assertions)."""
    with engine.connect() as connection:
        return [r[0] for r in connection.execute(select(table_of(model).c.id))]
