"""Which connector serves which platform, and how one is built for a source.

A platform's settings module (pydantic, no HTTP) is imported when a config first names the
platform; its connector module, with httpx and its runtime code, when a connector is first
built for it.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connectors.clock import Clock, Sleep, utc_now
from connectors.source_settings import SourceSettings

if TYPE_CHECKING:
    import httpx

    from connectors.base import Connector
    from connectors.http import RetryPolicy, SharedBudget


@dataclass(frozen=True)
class Platform:
    """Where a platform's settings model and its connector class live (`module:Class` each)."""

    settings_path: str
    connector: str

    @classmethod
    def in_package(cls, package: str, settings: str, connector: str) -> Platform:
        """A platform whose package under connectors/ has settings.py and connector.py."""
        return cls(f"connectors.{package}.settings:{settings}", f"connectors.{package}.connector:{connector}")

    @property
    def settings(self) -> type[SourceSettings]:
        """The settings model, its module imported on first use (a config imports only the platforms it names)."""
        module, _, name = self.settings_path.partition(":")
        model: type[SourceSettings] = getattr(importlib.import_module(module), name)
        return model


PLATFORMS: dict[str, Platform] = {
    "mastodon": Platform.in_package("mastodon", "MastodonSettings", "MastodonConnector"),
    "bluesky": Platform.in_package("bluesky", "BlueskySettings", "BlueskyConnector"),
    "reddit": Platform.in_package("reddit", "RedditSettings", "RedditConnector"),
    "hackernews": Platform.in_package("hackernews", "HackerNewsSettings", "HackerNewsConnector"),
    "youtube": Platform.in_package("youtube", "YouTubeSettings", "YouTubeConnector"),
    "discourse": Platform.in_package("discourse", "DiscourseSettings", "DiscourseConnector"),
    "appstore": Platform.in_package("appstore", "AppStoreSettings", "AppStoreConnector"),
    "trustpilot": Platform.in_package("trustpilot", "TrustpilotSettings", "TrustpilotConnector"),
    "google_reviews": Platform.in_package("google_reviews", "GoogleReviewsSettings", "GoogleReviewsConnector"),
    "x": Platform.in_package("x", "XSettings", "XConnector"),
    "facebook": Platform.in_package("facebook", "FacebookSettings", "FacebookConnector"),
    "instagram": Platform.in_package("instagram", "InstagramSettings", "InstagramConnector"),
    "linkedin": Platform.in_package("linkedin", "LinkedInSettings", "LinkedInConnector"),
    "tiktok": Platform.in_package("tiktok", "TikTokSettings", "TikTokConnector"),
}
_LOADED: dict[str, type[Connector]] = {}  # platform -> connector class, filled as connectors are built


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
