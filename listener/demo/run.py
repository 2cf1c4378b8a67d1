"""`ror demo`: replay three Mastodon brands (English, Dutch, German) on loopback and run the real pipeline."""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from connectors.clock import utc_now
from connectors.registry import build_connector
from listener.cli.progress import progress
from listener.collect.status import source_statuses
from listener.collect.sync import SyncResult, sync_source
from listener.config.settings import Config, load_config, source_secrets
from listener.demo.alert_replay import replay_alert_checks
from listener.demo.brand import DemoBrand
from listener.demo.brands_nl_de import BERGWERK, FIETSFABRIEK
from listener.demo.crm import build_demo_crm
from listener.demo.dataset import ACME, DEFAULT_DAYS, DEFAULT_SEED, DemoWorld, build_demo_world
from listener.demo.mastodon_replay import ReplayServer, start_replay_server
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
# The Dutch and German brands have fewer customers than the English one (as many posts a day):
# they show scoring in their language, their index and their alert.
SMALL_BRAND_CUSTOMERS = 50

DEMO_CONFIG = """\
# Written by `ror demo`. The replay servers it points at lived only while the demo ran;
# every read-only command (index, status, ...) works on the database it left behind.
[database]
url = "sqlite:///ror.db"
"""
BRAND_PROFILE = """
[[profiles]]
name = "{name}"
timezone = "{timezone}"
{extra}
[[profiles.sources]]
name = "{name}-mastodon"
platform = "mastodon"
base_url = "{base_url}"
account = "{name}"
hashtags = ["{hashtag}"]
mentions = true
token_env = "{token_env}"
backfill_days = 60
refresh_days = 60
"""
# The English brand also imports its CRM, survey, newsletter and website exports (ror import).
ACME_SETTINGS = """
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
"""
# Customers of the Dutch and German brands write Dutch or German; a post too short to tell is taken to be in it.
SMALL_BRAND_SETTINGS = """
[profiles.sentiment]
default_language = "{language}"

# A smaller brand: a day's sentiment is judged from 10 scored items (the default waits for 20).
[profiles.alerts.sentiment_drop]
min_volume = 10
"""
SMALL_BRANDS: tuple[tuple[DemoBrand, str, int], ...] = (
    (FIETSFABRIEK, "Europe/Amsterdam", DEFAULT_SEED + 1), (BERGWERK, "Europe/Berlin", DEFAULT_SEED + 2))


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
    more_indexes: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    imports: list[ImportResult] = field(default_factory=list)  # the English brand's CRM and survey files
    ror_percent: dict[str, Any] = field(default_factory=dict)  # the English brand's founders' RoR %

    @property
    def indexes(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """Each profile's name and index points, the English brand first."""
        return [(self.profile, self.points), *self.more_indexes]


def write_demo_config(directory: Path, base_url: str, small_brand_urls: tuple[str, ...] = ()) -> Path:
    """Write D/ror.toml pointing at the replay servers (the English brand's, then the Dutch and German) and D/ror.db."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "ror.toml"
    text = DEMO_CONFIG + _profile(ACME, "Europe/Berlin", base_url, ACME_SETTINGS.format(key_env=DEMO_KEY_ENV))
    for (brand, timezone, _), url in zip(SMALL_BRANDS, small_brand_urls, strict=False):
        text += _profile(brand, timezone, url, SMALL_BRAND_SETTINGS.format(language=brand.language))
    path.write_text(text, encoding="utf-8")
    return path


def _profile(brand: DemoBrand, timezone: str, base_url: str, extra: str) -> str:
    return BRAND_PROFILE.format(name=brand.username, timezone=timezone, extra=extra, base_url=base_url,
                                hashtag=brand.hashtag, token_env=DEMO_TOKEN_ENV)


def small_brand_worlds() -> list[DemoWorld]:
    """The Dutch and German brands' worlds."""
    return [build_demo_world(seed, customers=SMALL_BRAND_CUSTOMERS, spec=brand) for brand, _, seed in SMALL_BRANDS]


def write_demo_crm(directory: Path, now: datetime) -> dict[str, Path]:
    """Write the English brand's CRM and NPS exports as CSV files under D/crm/, by import kind."""
    crm = build_demo_crm(build_demo_world(), now)
    folder = directory / "crm"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind in DEMO_IMPORTS:
        paths[kind] = folder / f"{kind}.csv"
        paths[kind].write_text(getattr(crm, kind), encoding="utf-8")
    return paths


def remove_previous_demo(directory: Path) -> None:
    """A new demo starts from an empty database (its ids embed the replay server's port)."""
    for leftover in directory.glob("ror.db*"):
        leftover.unlink()


def run_demo(directory: Path, days_shown: int = DEMO_DAYS_SHOWN, now: datetime | None = None) -> DemoResult:
    """Start the replay servers, sync, score and aggregate every brand; the servers stop at the end.

    `now` (default: the clock) is the moment the replayed history ends and the alert checks run up to.
    """
    now = now or utc_now()
    os.environ.setdefault(DEMO_TOKEN_ENV, DEMO_TOKEN)
    os.environ.setdefault(DEMO_KEY_ENV, DEMO_KEY)
    remove_previous_demo(directory)
    with ExitStack() as servers:
        worlds: list[DemoWorld | None] = [None, *small_brand_worlds()]  # None: the English brand's world
        english, *small = [servers.enter_context(_serve(world, now)) for world in worlds]
        config = load_config(write_demo_config(directory, english.url, tuple(s.url for s in small)))
        engine = open_database(config.database_url())
        results = _sync_all(engine, config)
    acme = config.profiles[0]
    imported = [import_file(engine, acme, kind, path, clock=utc_now)
                for kind, path in write_demo_crm(directory, now).items()]
    with progress("demo: score", total=count_unscored(engine)) as advance:
        score_pending(engine, progress=advance, profiles=config.profiles)
    for profile in config.profiles:
        aggregate_profile(engine, profile)
    indexes = [(p.name, load_index_points(engine, p, days_shown)) for p in config.profiles]
    stored = sum(status.items for status in source_statuses(engine, config))
    alerts = replay_alert_checks(engine, config, now, DEFAULT_DAYS)
    (name, points), *more = indexes
    founders = beside_social_proxy(ror_percent_summary(engine, acme), points)
    return DemoResult(config.path, config.database_url(), name, _total(results), stored, points, alerts, more,
                      imported, founders)


def _serve(world: DemoWorld | None, now: datetime) -> ReplayServer:
    return start_replay_server(world, now=now, require_token=os.environ[DEMO_TOKEN_ENV], rate_limit=DEMO_RATE_LIMIT)


def _sync_all(engine: Engine, config: Config) -> list[SyncResult]:
    results = []
    with progress("demo: sync") as advance:
        for profile, source in config.sources():
            connector = build_connector(source, secrets=source_secrets(source))
            results.append(sync_source(engine, profile.name, profile.timezone, source, connector,
                                       on_page=lambda _stream, page: advance(len(page.items))))
    return results


def _total(results: list[SyncResult]) -> SyncResult:
    """One line's worth of every source's sync: summed counts, the worst status."""
    worst = next((r.status for r in results if r.status != "ok"), "ok")
    return SyncResult("demo", worst, sum(r.pages for r in results), sum(r.items for r in results),
                      sum(r.events for r in results), sum(r.quarantined for r in results),
                      [e for r in results for e in r.errors])
