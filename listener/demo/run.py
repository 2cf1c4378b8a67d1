"""`ror demo`: replay a Mastodon brand on loopback and run the real pipeline against it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.clock import utc_now
from connectors.registry import build_connector
from listener.cli.progress import progress
from listener.collect.status import source_statuses
from listener.collect.sync import SyncResult, sync_source
from listener.config.settings import load_config, source_secrets
from listener.demo.alert_replay import replay_alert_checks
from listener.demo.crm import build_demo_crm
from listener.demo.dataset import DEFAULT_DAYS, build_demo_world
from listener.demo.mastodon_replay import start_replay_server
from listener.imports.save import ImportResult, import_file
from listener.index.aggregate import aggregate_profile
from listener.read.reports import load_index_points
from listener.read.ror_percent import beside_social_proxy, ror_percent_summary
from listener.sentiment.score import count_unscored, score_pending
from listener.storage.engine import open_database

DEMO_TOKEN_ENV = "ROR_DEMO_TOKEN"
DEMO_TOKEN = "demo-token-not-a-secret"
DEMO_DAYS_SHOWN = 21
# The replay server advertises a generous quota: the demo is about the pipeline, and a
# first sync of six weeks (about 400 requests) under Mastodon's real 300 per 5 minutes
# would spend most of its time in the connector's (correct) slow-down.
DEMO_RATE_LIMIT = 100_000
DEMO_KEY_ENV = "ROR_DEMO_IDENTITY_KEY"
DEMO_KEY = "demo-identity-key-not-a-secret"
# customers first: orders and answers link to them
DEMO_IMPORTS = ("customers", "orders", "tickets", "nps", "email_campaigns", "web_days")

DEMO_CONFIG = """\
# Written by `ror demo`. The replay server it points at lived only while the demo ran;
# every read-only command (index, status, ...) works on the database it left behind.
[database]
url = "sqlite:///ror.db"

[[profiles]]
name = "acme"
timezone = "Europe/Berlin"

[profiles.imports]
key_env = "{key_env}"   # keys the hashes of the demo CRM's e-mails and customer ids

[profiles.index.weights]   # the social defaults, plus the imported surveys, orders, newsletter and website
sentiment = 0.25
engagement = 0.15
advocacy = 0.15
loyalty = 0.10
responsiveness = 0.15
nps = 0.10
return_rate = 0.10
survey_nps = 0.10
retention = 0.10
email_engagement = 0.05
web_engagement = 0.05

[[profiles.sources]]
name = "acme-mastodon"
platform = "mastodon"
base_url = "{base_url}"
account = "acme"
hashtags = ["acmecoffee"]
mentions = true
token_env = "{token_env}"
backfill_days = 60
refresh_days = 60
"""


@dataclass(frozen=True)
class DemoResult:
    """Where the demo left its files, what it collected, and the index it computed."""

    config_path: Path
    database: str
    profile: str
    sync: SyncResult
    stored_items: int
    points: list[dict[str, Any]]
    alerts: list[str] = field(default_factory=list)
    imports: list[ImportResult] = field(default_factory=list)
    ror_percent: dict[str, Any] = field(default_factory=dict)


def write_demo_config(directory: Path, base_url: str) -> Path:
    """Write D/ror.toml pointing at the replay server and D/ror.db."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "ror.toml"
    path.write_text(DEMO_CONFIG.format(base_url=base_url, token_env=DEMO_TOKEN_ENV,
                                                       key_env=DEMO_KEY_ENV), encoding="utf-8")
    return path


def remove_previous_demo(directory: Path) -> None:
    """A new demo starts from an empty database (its ids embed the replay server's port)."""
    for leftover in directory.glob("ror.db*"):
        leftover.unlink()


def write_demo_crm(directory: Path, now: datetime) -> dict[str, Path]:
    """Write the demo brand's CRM and NPS exports as CSV files under D/crm/, by import kind."""
    crm = build_demo_crm(build_demo_world(), now)
    folder = directory / "crm"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind in DEMO_IMPORTS:
        paths[kind] = folder / f"{kind}.csv"
        paths[kind].write_text(getattr(crm, kind), encoding="utf-8")
    return paths


def run_demo(directory: Path, days_shown: int = DEMO_DAYS_SHOWN) -> DemoResult:
    """Start the replay server, sync, score and aggregate; the server stops at the end."""
    os.environ.setdefault(DEMO_TOKEN_ENV, DEMO_TOKEN)
    os.environ.setdefault(DEMO_KEY_ENV, DEMO_KEY)
    remove_previous_demo(directory)
    with start_replay_server(require_token=os.environ[DEMO_TOKEN_ENV], rate_limit=DEMO_RATE_LIMIT) as server:
        config = load_config(write_demo_config(directory, server.url))
        engine = open_database(config.database_url())
        profile, source = config.sources()[0]
        connector = build_connector(source, secrets=source_secrets(source))
        with progress("demo: sync") as advance:
            result = sync_source(engine, profile.name, profile.timezone, source, connector,
                                 on_page=lambda _stream, page: advance(len(page.items)))
        crm_files = write_demo_crm(directory, server.now)
    imported = [import_file(engine, profile, kind, path, clock=utc_now) for kind, path in crm_files.items()]
    with progress("demo: score", total=count_unscored(engine)) as advance:
        score_pending(engine, progress=advance, profiles=config.profiles)
    aggregate_profile(engine, profile)
    points = load_index_points(engine, profile, days_shown)
    stored = source_statuses(engine, config)[0].items
    alerts = replay_alert_checks(engine, config, utc_now(), DEFAULT_DAYS)
    founders = beside_social_proxy(ror_percent_summary(engine, profile), points)
    return DemoResult(config.path, config.database_url(), profile.name, result, stored, points, alerts, imported,
                      founders)
