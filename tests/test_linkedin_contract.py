"""The LinkedIn connector passes the connector contract kit."""

from __future__ import annotations

from connectors.linkedin.connector import LinkedInConnector, LinkedInSettings
from tests.cassette import Cassette, load_cassette
from tests.contract import ConnectorContract, ContractCase

ACCESS_TOKEN = "AQVtest-linkedin-access-token-3kd9"
LISTINGS = ("/rest/posts", "/rest/organizationalEntityNotifications")


def linkedin_settings(base_url: str, **overrides: object) -> LinkedInSettings:
    """The fixture organization (Acme Koffie), two posts and two comments a page."""
    values: dict[str, object] = {
        "name": "acme-linkedin", "platform": "linkedin", "base_url": f"{base_url}/rest", "organization_id": "2414183",
        "access_token_env": "TEST_LINKEDIN_TOKEN", "page_size": 2, "comment_page_size": 2,
        "backfill_days": 30, "refresh_days": 7,
    }
    values.update(overrides)
    return LinkedInSettings.model_validate(values)


def empty_organization() -> Cassette:
    """The organization has posted nothing and nobody mentioned it."""
    cassette = load_cassette("linkedin")
    for interaction in cassette.interactions:
        if interaction["request"]["path"] in LISTINGS:
            interaction["response"]["body"] = {"paging": {"start": 0, "count": 2, "links": [], "total": 0},
                                               "elements": []}
    return cassette


class TestLinkedInContract(ConnectorContract):
    case = ContractCase(
        platform="linkedin",
        settings=linkedin_settings,
        secrets={"access_token": ACCESS_TOKEN},
        rate_limited_headers={"Content-Type": "application/json", "Retry-After": "90"},
        rate_limited_body='{"status":429,"code":"TOO_MANY_REQUESTS","message":"Too many requests"}',
        expected_wait_seconds=90,
        quarantined=1,
        min_items=10,
        empty_cassette=empty_organization,
        connector_class=LinkedInConnector,
    )
