"""Which connector serves which platform, and how one is built for a source.

The config loader needs every platform's settings model (the discriminated union of sources),
so this module imports only the settings modules (pydantic, no HTTP); a platform's connector
module, with httpx and its runtime code, is imported when a connector is first built for it.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connectors.appstore.settings import AppStoreSettings
from connectors.base import Connector, SourceSettings
from connectors.bluesky.settings import BlueskySettings
from connectors.clock import Clock, Sleep, utc_now
from connectors.discourse.settings import DiscourseSettings
from connectors.facebook.settings import FacebookSettings
from connectors.google_reviews.settings import GoogleReviewsSettings
from connectors.hackernews.settings import HackerNewsSettings
from connectors.instagram.settings import InstagramSettings
from connectors.linkedin.settings import LinkedInSettings
from connectors.mastodon.settings import MastodonSettings
from connectors.reddit.settings import RedditSettings
from connectors.tiktok.settings import TikTokSettings
from connectors.trustpilot.settings import TrustpilotSettings
from connectors.x.settings import XSettings
from connectors.youtube.settings import YouTubeSettings

if TYPE_CHECKING:
    import httpx

    from connectors.http import RetryPolicy, SharedBudget


@dataclass(frozen=True)
class Platform:
    """A platform's settings model and where its connector class lives (`module:Class`)."""

    settings: type[SourceSettings]
    connector: str


PLATFORMS: dict[str, Platform] = {
    "mastodon": Platform(MastodonSettings, "connectors.mastodon.connector:MastodonConnector"),
    "bluesky": Platform(BlueskySettings, "connectors.bluesky.connector:BlueskyConnector"),
    "reddit": Platform(RedditSettings, "connectors.reddit.connector:RedditConnector"),
    "hackernews": Platform(HackerNewsSettings, "connectors.hackernews.connector:HackerNewsConnector"),
    "youtube": Platform(YouTubeSettings, "connectors.youtube.connector:YouTubeConnector"),
    "discourse": Platform(DiscourseSettings, "connectors.discourse.connector:DiscourseConnector"),
    "appstore": Platform(AppStoreSettings, "connectors.appstore.connector:AppStoreConnector"),
    "trustpilot": Platform(TrustpilotSettings, "connectors.trustpilot.connector:TrustpilotConnector"),
    "google_reviews": Platform(GoogleReviewsSettings, "connectors.google_reviews.connector:GoogleReviewsConnector"),
    "x": Platform(XSettings, "connectors.x.connector:XConnector"),
    "facebook": Platform(FacebookSettings, "connectors.facebook.connector:FacebookConnector"),
    "instagram": Platform(InstagramSettings, "connectors.instagram.connector:InstagramConnector"),
    "linkedin": Platform(LinkedInSettings, "connectors.linkedin.connector:LinkedInConnector"),
    "tiktok": Platform(TikTokSettings, "connectors.tiktok.connector:TikTokConnector"),
}
_LOADED: dict[str, type[Connector]] = {}  # platform -> connector class, filled as connectors are built


def settings_models() -> list[type[SourceSettings]]:
    """The settings model of every platform, for the config loader."""
    return [platform.settings for platform in PLATFORMS.values()]


def connector_class(platform: str) -> type[Connector]:
    """The connector class of a platform, its module imported on first use."""
    if platform not in _LOADED:
        module, _, name = PLATFORMS[platform].connector.partition(":")
        _LOADED[platform] = getattr(importlib.import_module(module), name)
    return _LOADED[platform]


def __getattr__(name: str) -> Any:
    """`CONNECTORS`: platform -> connector class for every platform (imports every connector module)."""
    if name == "CONNECTORS":
        for platform in PLATFORMS:
            connector_class(platform)
        return _LOADED
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_connector(
    settings: SourceSettings,
    *,
    secrets: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    clock: Clock = utc_now,
    sleep: Sleep = time.sleep,
    policy: RetryPolicy | None = None,
    budget: SharedBudget | None = None,
) -> Connector:
    """A ready connector for one configured source; HTTP transport, clock and sleep injectable.

    `budget` is the rate-limit budget of the source's credential when several sources share it.
    """
    from connectors.http import HttpSession, RateLimitHeaders, RetryPolicy, build_client

    connector = connector_class(settings.platform)
    session = HttpSession(
        client=build_client(settings.base_url, transport=transport),
        policy=policy or RetryPolicy(),
        rate_headers=connector.rate_limit_headers or RateLimitHeaders(),
        credential_env=", $".join(settings.secret_env_names().values()) or None,
        clock=clock,
        sleep=sleep,
        budget=budget,
    )
    # the Connector base declares no constructor; each subclass takes (settings, session, secrets)
    return connector(settings, session, secrets or {})  # type: ignore[call-arg]
