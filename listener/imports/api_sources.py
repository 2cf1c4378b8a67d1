"""The API sources beyond social, one table: how each runs, for `ror import <name>` and the daemon's schedule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # kept light: `ror --help` builds the import commands from this table
    from sqlalchemy import Engine

    from listener.config.settings import ProfileConfig
    from listener.imports.save import ImportResult

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class ApiSource:
    """One API source: its config section under [profiles.imports], what it fetches, and how it runs."""

    name: str
    help: str
    stores_pages: bool  # True: pages stored before a failure are kept; False: one transaction, all or nothing
    run: Callable[[Engine, ProfileConfig, Clock], list[ImportResult]]

    def configured(self, profile: ProfileConfig) -> bool:
        """Whether the profile has this source's section."""
        return getattr(profile.imports, self.name) is not None


def _typeform(engine: Engine, profile: ProfileConfig, clock: Clock) -> list[ImportResult]:
    from listener.imports.typeform import sync_typeform, typeform_session, typeform_settings

    return [sync_typeform(engine, profile, typeform_session(typeform_settings(profile)), clock=clock)]


def _hubspot(engine: Engine, profile: ProfileConfig, clock: Clock) -> list[ImportResult]:
    from listener.imports.hubspot import hubspot_session, hubspot_settings, sync_hubspot

    return sync_hubspot(engine, profile, hubspot_session(hubspot_settings(profile)), clock=clock)


def _mailchimp(engine: Engine, profile: ProfileConfig, clock: Clock) -> list[ImportResult]:
    from listener.imports.mailchimp import sync_mailchimp

    return [sync_mailchimp(engine, profile, clock=clock)]


def _plausible(engine: Engine, profile: ProfileConfig, clock: Clock) -> list[ImportResult]:
    from listener.imports.plausible import plausible_session, plausible_settings, sync_plausible

    return [sync_plausible(engine, profile, plausible_session(plausible_settings(profile)), clock=clock)]


def _matomo(engine: Engine, profile: ProfileConfig, clock: Clock) -> list[ImportResult]:
    from listener.imports.matomo import matomo_session, matomo_settings, sync_matomo

    return [sync_matomo(engine, profile, matomo_session(matomo_settings(profile)), clock=clock)]


def _ga4(engine: Engine, profile: ProfileConfig, clock: Clock) -> list[ImportResult]:
    from listener.imports.ga4 import ga4_session, ga4_settings, sync_ga4

    return [sync_ga4(engine, profile, ga4_session(ga4_settings(profile)), clock=clock)]


API_SOURCES: dict[str, ApiSource] = {source.name: source for source in (
    ApiSource("typeform", "Fetch new NPS answers of the form in [profiles.imports.typeform] from the Typeform "
              "Responses API.", True, _typeform),
    ApiSource("hubspot", "Fetch contacts, won deals and closed tickets changed since the last run from the HubSpot "
              "CRM API.", True, _hubspot),
    ApiSource("mailchimp", "Fetch campaign reports (recipients, unique opens and clicks) from the Mailchimp "
              "Marketing API.", True, _mailchimp),
    ApiSource("plausible", "Fetch the site's daily visits, bounce rate, visit duration and goal conversions from "
              "Plausible.", False, _plausible),
    ApiSource("matomo", "Fetch the site's daily visits, bounces, time on site and converted visits from Matomo.",
              False, _matomo),
    ApiSource("ga4", "Fetch the property's daily sessions, users, page views, bounce rate, session length and key "
              "events from the Google Analytics 4 Data API.", False, _ga4),
)}


def configured_api_sources(profile: ProfileConfig) -> list[ApiSource]:
    """The API sources the profile has a section for, in the table's order."""
    return [source for source in API_SOURCES.values() if source.configured(profile)]
