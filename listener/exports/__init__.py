"""Weekly engagement summaries (CSV, JSON, Markdown, HTML) per profile, for people and for tools."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine

from connectors.clock import Clock, utc_now
from listener.config.settings import Config
from listener.exports.assemble import LOAD_STEPS, build_weekly_summary
from listener.exports.mail import ExportMailError, exports_problems, mail_weekly_summary
from listener.exports.model import SCHEMA_VERSION, WeeklySummary
from listener.exports.weeks import IsoWeek, WeekError
from listener.exports.writer import RENDERERS, render_files, write_summary

__all__ = [
    "LOAD_STEPS", "RENDERERS", "SCHEMA_VERSION", "ExportError", "ExportMailError", "IsoWeek", "WeekError",
    "WeeklySummary", "build_weekly_summary", "exports_problems", "render_files", "write_summary",
    "write_weekly_exports",
]
log = logging.getLogger("ror.exports")


class ExportError(Exception):
    """One or more profiles' weekly exports failed (the others were written)."""


def write_weekly_exports(engine: Engine, config: Config, clock: Clock = utc_now) -> list[Path]:
    """Write every configured format for every enabled profile's last complete ISO week; returns the files.

    Called by the daemon on each profile's `exports.cron`. A failing profile does not stop
    the others; the failures are raised together at the end as an ExportError.
    """
    now = clock()
    written: list[Path] = []
    failures: list[str] = []
    for profile in config.profiles:
        settings = profile.exports
        if not settings.enabled:
            continue
        week = IsoWeek.last_complete(now, profile.zone)
        try:
            summary = build_weekly_summary(engine, profile, week, now)
            written += write_summary(summary, settings.formats, settings.directory(config.path))
            if mail_weekly_summary(config, profile, summary):
                log.info("weekly summary of %s %s mailed through channel %s", profile.name, week.label,
                         settings.email_channel)
        except Exception as error:  # one profile's failure must not cost the others their export
            log.exception("weekly export of %s %s failed", profile.name, week.label)
            failures.append(f"{profile.name} {week.label}: {type(error).__name__}: {error}")
    if failures:
        raise ExportError("; ".join(failures))
    log.info("weekly exports written: %d file(s)", len(written))
    return written
