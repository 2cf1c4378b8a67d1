"""The weekly summary as plain values: what every format renders. None means "not available"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from listener.exports.weeks import IsoWeek

SCHEMA_NAME = "ror-weekly-summary"
SCHEMA_VERSION = 1
TOTAL = "total"


@dataclass(frozen=True)
class EngagementFigures:
    """Engagement gained by owned items during the week (whole numbers), and its rate."""

    likes: int = 0
    shares: int = 0
    replies: int = 0
    quotes: int = 0
    followers: int | None = None
    rate: float | None = None

    @property
    def total(self) -> int:
        """likes + shares + replies + quotes."""
        return self.likes + self.shares + self.replies + self.quotes


@dataclass(frozen=True)
class SentimentFigures:
    """Inbound sentiment of the week and the week before."""

    positive: int = 0
    negative: int = 0
    neutral: int = 0
    unsupported_language: int = 0
    net: float | None = None
    mean_compound: float | None = None
    net_previous_week: float | None = None

    @property
    def net_change(self) -> float | None:
        """Net sentiment minus last week's."""
        if self.net is None or self.net_previous_week is None:
            return None
        return round(self.net - self.net_previous_week, 4)


@dataclass(frozen=True)
class EngagerFigures:
    """Distinct engagers of the week, split by whether they engaged in the window before it."""

    total: int = 0
    new: int = 0
    returning: int = 0


@dataclass(frozen=True)
class ResponseFigures:
    """Inbound items of the week that needed an answer, and how the brand answered."""

    needs_answer: int = 0
    answered_within_sla: int = 0
    answered_late: int = 0
    unanswered: int = 0
    pending: int = 0
    rate: float | None = None
    median_minutes: float | None = None


@dataclass(frozen=True)
class ReviewFigures:
    """The week's reviews: how many, their average stars and their NPS."""

    count: int = 0
    average_stars: float | None = None
    nps: float | None = None


@dataclass(frozen=True)
class PlatformFigures:
    """Every weekly figure for one platform (or the total)."""

    platform: str
    owned_posts: int = 0
    owned_replies: int = 0
    inbound_items: int = 0
    engagement: EngagementFigures = field(default_factory=EngagementFigures)
    sentiment: SentimentFigures = field(default_factory=SentimentFigures)
    engagers: EngagerFigures = field(default_factory=EngagerFigures)
    responses: ResponseFigures = field(default_factory=ResponseFigures)
    reviews: ReviewFigures = field(default_factory=ReviewFigures)


@dataclass(frozen=True)
class IndexMoment:
    """The index on one day."""

    day: date
    daily_index: float | None
    running_index: float | None
    provisional: bool
    components: dict[str, float | None]


@dataclass(frozen=True)
class ComponentChange:
    """One component's score at the start and end of the week."""

    name: str
    start: float | None
    end: float | None

    @property
    def change(self) -> float | None:
        """end - start."""
        return None if self.start is None or self.end is None else round(self.end - self.start, 2)


@dataclass(frozen=True)
class IndexSummary:
    """The RoR index over the week: start, end, each component's change, and the daily series."""

    formula_version: str
    start: IndexMoment | None
    end: IndexMoment | None
    components: list[ComponentChange]
    series: list[IndexMoment]
    chart_first_day: date

    @property
    def running_change(self) -> float | None:
        """Running index at the end minus at the start."""
        if not self.start or not self.end or self.start.running_index is None or self.end.running_index is None:
            return None
        return round(self.end.running_index - self.start.running_index, 2)

    @property
    def daily_change(self) -> float | None:
        """Daily index at the end minus at the start."""
        if not self.start or not self.end or self.start.daily_index is None or self.end.daily_index is None:
            return None
        return round(self.end.daily_index - self.start.daily_index, 2)


@dataclass(frozen=True)
class ListedItem:
    """An item shown in a top list: owned posts by engagement, inbound items by sentiment."""

    platform: str
    external_id: str
    kind: str
    author: str | None
    created_at: datetime
    url: str | None
    text: str
    compound: float | None = None
    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
    quotes: int | None = None
    engagement: int | None = None
    rate_48h: float | None = None
    provisional: bool = False


@dataclass(frozen=True)
class Provisional:
    """Which figures can still change, and why."""

    figures: list[str]
    notes: list[str]


@dataclass(frozen=True)
class Windows:
    """The windows the figures use (documented, shown in the outputs)."""

    response_sla_hours: float
    business_hours: str | None
    engager_lookback_days: int
    owned_lookback_days: int
    provisional_hours: float


@dataclass(frozen=True)
class FoundersRor:
    """The founders' RoR % of the 12 months up to the week's end, the people behind it, and the social proxy."""

    month: str
    percent: float | None
    helped: int
    returned: int
    window_start: datetime
    window_end: datetime
    linked_people: int
    social_answered_people: int
    social_answered_linked_people: int
    social_proxy: float | None


@dataclass(frozen=True)
class WeeklySummary:
    """One profile's weekly engagement summary."""

    profile: str
    timezone: str
    week: IsoWeek
    start: datetime
    end: datetime
    generated_at: datetime
    platforms: list[PlatformFigures]
    total: PlatformFigures
    index: IndexSummary
    top_owned_posts: list[ListedItem]
    most_positive: list[ListedItem]
    most_negative: list[ListedItem]
    provisional: Provisional
    windows: Windows
    previous_total: PlatformFigures | None = None  # every figure of the week before, in total
    ror_percent: FoundersRor | None = None  # None: the profile has no imported CRM or survey people

    @property
    def zone(self) -> ZoneInfo:
        """The profile's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def local_start(self) -> datetime:
        """The week's start in the profile's zone (`start` and `end` are UTC)."""
        return self.start.astimezone(self.zone)

    @property
    def local_end(self) -> datetime:
        """The week's end (exclusive) in the profile's zone."""
        return self.end.astimezone(self.zone)

    @property
    def empty(self) -> bool:
        """Nothing happened this week: no items, no engagement, no index point."""
        t = self.total
        return (t.owned_posts + t.owned_replies + t.inbound_items + t.engagement.total + t.engagers.total
                + t.reviews.count == 0 and not any(p.day >= self.week.monday for p in self.index.series))

    @property
    def component_names(self) -> list[str]:
        """Every component present in the week's points or the chart, in a stable order."""
        return [c.name for c in self.index.components]
