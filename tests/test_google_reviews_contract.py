"""The Google Business Profile reviews connector passes the connector contract kit."""

from __future__ import annotations

import json

from connectors.google_reviews.connector import GoogleReviewsConnector, GoogleReviewsSettings
from tests.cassette import Cassette, load_cassette
from tests.contract import ConnectorContract, ContractCase

SECRETS = {"client_id": "test-client-1234.apps.googleusercontent.com", "client_secret": "test-secret-9f8e",
           "refresh_token": "1//test-refresh-token-5d4c"}
# Google's 429 for a spent per-minute quota: a JSON error body and no Retry-After.
RESOURCE_EXHAUSTED = json.dumps({"error": {
    "code": 429, "status": "RESOURCE_EXHAUSTED",
    "message": "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service "
               "'mybusiness.googleapis.com' for consumer 'project_number:123456789012'.",
}})


def google_settings(base_url: str, **overrides: object) -> GoogleReviewsSettings:
    """The fixture location; the OAuth host and the API host both point at the replay."""
    values: dict[str, object] = {
        "name": "acme-google", "platform": "google_reviews", "base_url": base_url, "oauth_base_url": base_url,
        "account_id": "1122334455", "location_ids": ["9988776655"], "business_name": "Acme Roastery",
        "client_id_env": "TEST_GBP_CLIENT_ID", "client_secret_env": "TEST_GBP_CLIENT_SECRET",
        "refresh_token_env": "TEST_GBP_REFRESH_TOKEN", "page_size": 3,
    }
    values.update(overrides)
    return GoogleReviewsSettings.model_validate(values)


def no_reviews() -> Cassette:
    """A location without reviews: Google then leaves `reviews` out of the response."""
    cassette = load_cassette("google_reviews")
    for interaction in cassette.interactions:
        body = interaction["response"]["body"]
        if "reviews" in body:
            interaction["response"]["body"] = {"averageRating": 0, "totalReviewCount": 0}
    return cassette


class TestGoogleReviewsContract(ConnectorContract):
    case = ContractCase(
        platform="google_reviews",
        settings=google_settings,
        secrets=SECRETS,
        rate_limited_headers={"Content-Type": "application/json; charset=UTF-8"},
        rate_limited_body=RESOURCE_EXHAUSTED,
        expected_wait_seconds=60,
        quarantined=1,
        min_items=6,
        empty_cassette=no_reviews,
        connector_class=GoogleReviewsConnector,
    )
