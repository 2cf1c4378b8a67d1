"""Which connector serves which platform, and how one is built for a source."""

from __future__ import annotations

import time
from collections.abc import Mapping

import httpx

from connectors.appstore.connector import AppStoreConnector
from connectors.base import Connector, SourceSettings
from connectors.bluesky.connector import BlueskyConnector
from connectors.clock import Clock, Sleep, utc_now
from connectors.discourse.connector import DiscourseConnector
from connectors.facebook.connector import FacebookConnector
from connectors.google_reviews.connector import GoogleReviewsConnector
from connectors.hackernews.connector import HackerNewsConnector
from connectors.http import HttpSession, RateLimitHeaders, RetryPolicy, SharedBudget, build_client
from connectors.instagram.connector import InstagramConnector
from connectors.linkedin.connector import LinkedInConnector
from connectors.mastodon.connector import MastodonConnector
from connectors.reddit.connector import RedditConnector
from connectors.tiktok.connector import TikTokConnector
from connectors.trustpilot.connector import TrustpilotConnector
from connectors.x.connector import XConnector
from connectors.youtube.connector import YouTubeConnector

CONNECTORS: dict[str, type[Connector]] = {
    MastodonConnector.platform: MastodonConnector,
    BlueskyConnector.platform: BlueskyConnector,
    RedditConnector.platform: RedditConnector,
    HackerNewsConnector.platform: HackerNewsConnector,
    YouTubeConnector.platform: YouTubeConnector,
    DiscourseConnector.platform: DiscourseConnector,
    AppStoreConnector.platform: AppStoreConnector,
    TrustpilotConnector.platform: TrustpilotConnector,
    GoogleReviewsConnector.platform: GoogleReviewsConnector,
    XConnector.platform: XConnector,
    FacebookConnector.platform: FacebookConnector,
    InstagramConnector.platform: InstagramConnector,
    LinkedInConnector.platform: LinkedInConnector,
    TikTokConnector.platform: TikTokConnector,
}


def settings_models() -> list[type[SourceSettings]]:
    """The settings model of every platform, for the config loader."""
    return [connector.settings_model for connector in CONNECTORS.values()]


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
    connector_class = CONNECTORS[settings.platform]
    session = HttpSession(
        client=build_client(settings.base_url, transport=transport),
        policy=policy or RetryPolicy(),
        rate_headers=connector_class.rate_limit_headers or RateLimitHeaders(),
        credential_env=", $".join(settings.secret_env_names().values()) or None,
        clock=clock,
        sleep=sleep,
        budget=budget,
    )
    # the Connector base declares no constructor; each subclass takes (settings, session, secrets)
    return connector_class(settings, session, secrets or {})  # type: ignore[call-arg]
