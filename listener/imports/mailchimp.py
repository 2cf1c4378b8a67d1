"""Mailchimp campaign reports into email_campaigns: upserted by campaign id, recent ones refreshed each run."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Engine, select

from connectors.clock import Sleep
from connectors.http import HttpSession
from connectors.mailchimp.reports import MailchimpSettings, ReportPage, base_url_for, iter_report_pages
from listener.config.settings import ConfigError, ProfileConfig, require_env
from listener.imports.save import ImportResult, log_import_run
from listener.imports.session import api_session
from listener.storage.relationship_models import EmailCampaignRow, ImportQuarantineRow
from listener.storage.store import ensure_profile, load_cursor, save_cursor
from listener.storage.upsert import table_of, upsert_rows

STREAM = "reports"
SOURCE = "mailchimp"


def mailchimp_settings(profile: ProfileConfig) -> MailchimpSettings:
    """The profile's Mailchimp section, or a ConfigError saying how to add one."""
    if profile.imports.mailchimp is None:
        raise ConfigError(f"profile {profile.name!r} has no [profiles.imports.mailchimp] section (api_key_env)")
    return profile.imports.mailchimp


def mailchimp_session(settings: MailchimpSettings, api_key: str, *, transport: httpx.BaseTransport | None = None,
                      sleep: Sleep = time.sleep) -> HttpSession:
    """An HTTP session for the Marketing API (HTTP Basic with the key as password), edges injectable."""
    basic = base64.b64encode(f"ror:{api_key}".encode()).decode()
    return api_session(base_url_for(settings, api_key), settings.api_key_env,
                       headers={"Authorization": f"Basic {basic}"}, transport=transport, sleep=sleep)


def _save_page(engine: Engine, profile_id: int, page: ReportPage, source: str, now: datetime,
               result: ImportResult) -> None:
    campaigns = table_of(EmailCampaignRow)
    with engine.begin() as connection:
        known = set(connection.execute(select(campaigns.c.campaign_id).where(
            campaigns.c.profile_id == profile_id, campaigns.c.source == SOURCE,
            campaigns.c.campaign_id.in_([r.campaign_id for r in page.reports]))).scalars())
        upsert_rows(connection, EmailCampaignRow, [
            {"profile_id": profile_id, "source": SOURCE, "campaign_id": r.campaign_id, "sent_at": r.sent_at,
             "recipients": r.recipients, "opens": r.opens, "clicks": r.clicks, "unsubscribes": r.unsubscribes,
             "fetched_at": now} for r in page.reports], ["profile_id", "source", "campaign_id"],
            ["sent_at", "recipients", "opens", "clicks", "unsubscribes", "fetched_at"])
        upsert_rows(connection, ImportQuarantineRow, [
            {"profile_id": profile_id, "kind": "email_campaigns", "file_name": SOURCE, "line": 0,
             "digest": f"mailchimp:{bad.external_id}", "error": bad.error, "cells": {"campaign_id": bad.external_id},
             "first_seen_at": now} for bad in page.bad_records], ["profile_id", "kind", "digest"])
        latest = max((r.sent_at for r in page.reports), default=None)
        if latest is not None:
            save_cursor(connection, source, STREAM, latest.isoformat(), now)
    result.rows += len(page.reports) + len(page.bad_records)
    result.new += sum(r.campaign_id not in known for r in page.reports)
    result.known += sum(r.campaign_id in known for r in page.reports)
    result.quarantined += len(page.bad_records)
    result.errors += [(0, bad.error) for bad in page.bad_records]


def sync_mailchimp(engine: Engine, profile: ProfileConfig, *, clock: Callable[[], datetime],
                   transport: httpx.BaseTransport | None = None, sleep: Sleep = time.sleep) -> ImportResult:
    """Fetch the reports of campaigns sent since the cursor minus the refresh window; store them page by page."""
    settings = mailchimp_settings(profile)
    api_key = require_env(settings.api_key_env, "imports.mailchimp.api_key_env")
    session = mailchimp_session(settings, api_key, transport=transport, sleep=sleep)
    source, result = f"{SOURCE}:{profile.name}", ImportResult("email_campaigns")
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, profile.name, profile.timezone)
        cursor = load_cursor(connection, source, STREAM)
    since = datetime.fromisoformat(cursor) - timedelta(days=settings.refresh_days) if cursor else None
    for page in iter_report_pages(session, settings, since):
        _save_page(engine, profile_id, page, source, clock(), result)
    with engine.begin() as connection:
        log_import_run(connection, profile_id, SOURCE, clock(), result)
    return result
