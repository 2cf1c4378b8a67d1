"""A profile's `[profiles.imports]` section: how CSV exports of surveys and CRMs map onto our columns."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from connectors.ga4.settings import Ga4Settings
from connectors.hubspot.settings import HubspotSettings
from connectors.mailchimp.settings import MailchimpSettings
from connectors.matomo.settings import MatomoSettings
from connectors.plausible.settings import PlausibleSettings
from connectors.typeform.settings import TypeformSettings

DEFAULT_KEY_ENV = "ROR_IDENTITY_KEY"
DecimalStyle = Literal["auto", "comma", "point"]


class ImportColumns(BaseModel):
    """Column names in the file for each of our fields; an empty name means "the file has none"."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    REQUIRED: ClassVar[tuple[str, ...]] = ()

    def required(self) -> tuple[str, ...]:
        """Our fields the file must have."""
        return self.REQUIRED

    def explicit(self) -> set[str]:
        """Optional fields mapped to a non-default column name (missing from the file = an error, not a skip)."""
        fields = type(self).model_fields
        return {f for f in self.model_fields_set - set(self.REQUIRED) if getattr(self, f) != fields[f].default}

    def mapping(self) -> dict[str, str]:
        """Our field -> the file's column name, for every field with a column."""
        return {field: getattr(self, field) for field in type(self).model_fields if getattr(self, field)}


class NpsColumns(ImportColumns):
    """NPS survey export columns."""

    REQUIRED = ("response_id", "score", "submitted_at")
    response_id: str = "response_id"
    score: str = "score"
    submitted_at: str = "submitted_at"
    email: str = "email"
    customer_id: str = "customer_id"
    comment: str = "comment"


class CustomerColumns(ImportColumns):
    """CRM customer export columns."""

    REQUIRED = ("customer_id",)
    customer_id: str = "customer_id"
    email: str = "email"
    social_handle: str = "social_handle"
    created_at: str = "created_at"
    referred_by: str = "referred_by"


class OrderColumns(ImportColumns):
    """CRM / shop order export columns."""

    REQUIRED = ("order_id", "customer_id", "ordered_at")
    order_id: str = "order_id"
    customer_id: str = "customer_id"
    ordered_at: str = "ordered_at"
    amount: str = "amount"
    email: str = "email"


class TicketColumns(ImportColumns):
    """Help-desk ticket export columns (a resolved ticket is help given)."""

    REQUIRED = ("ticket_id", "resolved_at")
    ticket_id: str = "ticket_id"
    resolved_at: str = "resolved_at"
    customer_id: str = "customer_id"
    email: str = "email"


class LinkColumns(ImportColumns):
    """An explicit mapping file: each row says these identities are one person."""

    REQUIRED = ()
    customer_id: str = "customer_id"
    email: str = "email"
    social_handle: str = "social_handle"


class CampaignColumns(ImportColumns):
    """E-mail campaign report export columns (counts only, no member data)."""

    REQUIRED = ("campaign_id", "sent_at", "recipients", "opens", "clicks")
    campaign_id: str = "campaign_id"
    sent_at: str = "sent_at"
    recipients: str = "recipients"
    opens: str = "opens"
    clicks: str = "clicks"
    unsubscribes: str = "unsubscribes"


class WebDayColumns(ImportColumns):
    """Website analytics export columns, one row per day."""

    REQUIRED = ("day", "visits")
    day: str = "day"
    visits: str = "visits"
    visitors: str = "visitors"
    pageviews: str = "pageviews"
    bounce_rate: str = "bounce_rate"
    visit_duration_seconds: str = "visit_duration_seconds"
    conversions: str = "conversions"


class ImportsConfig(BaseModel):
    """CSV import settings: number and date conventions, the hashing key's variable, column mappings."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    key_env: str = Field(default=DEFAULT_KEY_ENV, pattern=r"^[A-Z_][A-Z0-9_]*$")
    day_first: bool = True
    decimal: DecimalStyle = "auto"
    social_platform: str | None = Field(default=None, min_length=1)
    api_interval_minutes: int = Field(default=60, ge=5, le=24 * 60,
                                      description="how often `ror run` fetches the API sources below")
    nps: NpsColumns = Field(default_factory=NpsColumns)
    customers: CustomerColumns = Field(default_factory=CustomerColumns)
    orders: OrderColumns = Field(default_factory=OrderColumns)
    tickets: TicketColumns = Field(default_factory=TicketColumns)
    links: LinkColumns = Field(default_factory=LinkColumns)
    email_campaigns: CampaignColumns = Field(default_factory=CampaignColumns)
    web_days: WebDayColumns = Field(default_factory=WebDayColumns)
    typeform: TypeformSettings | None = None
    hubspot: HubspotSettings | None = None
    mailchimp: MailchimpSettings | None = None
    plausible: PlausibleSettings | None = None
    matomo: MatomoSettings | None = None
    ga4: Ga4Settings | None = None
