"""Which connector serves which platform, and how one is built for a source."""

from __future__ import annotations

import time
from collections.abc import Mapping

import httpx

from connectors.base import Connector, SourceSettings
from connectors.http import Clock, HttpSession, RateLimitHeaders, RetryPolicy, Sleep, build_client, utc_now
from connectors.mastodon import MastodonConnector
# registry-import: bluesky
# registry-import: reddit
# registry-import: hackernews
# registry-import: youtube
# registry-import: discourse
# registry-import: appstore
# registry-import: trustpilot
# registry-import: google_reviews

CONNECTORS: dict[str, type[Connector]] = {
    MastodonConnector.platform: MastodonConnector,
    # registry-entry: bluesky
    # registry-entry: reddit
    # registry-entry: hackernews
    # registry-entry: youtube
    # registry-entry: discourse
    # registry-entry: appstore
    # registry-entry: trustpilot
    # registry-entry: google_reviews
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
) -> Connector:
    """A ready connector for one configured source; HTTP transport, clock and sleep injectable."""
    connector_class = CONNECTORS[settings.platform]
    session = HttpSession(
        client=build_client(settings.base_url, transport=transport),
        policy=policy or RetryPolicy(),
        rate_headers=connector_class.rate_limit_headers or RateLimitHeaders(),
        credential_env=", $".join(settings.secret_env_names().values()) or None,
        clock=clock,
        sleep=sleep,
    )
    return connector_class(settings, session, secrets or {})  # type: ignore[call-arg]
