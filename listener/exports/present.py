"""What the people formats (Markdown, HTML) show, as plain unescaped strings; each format escapes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from listener.exports.columns import (
    CHANGE_STYLES,
    FIGURES,
    NOT_AVAILABLE,
    change_of,
    component_label,
    local_time,
    show,
)
from listener.exports.model import FoundersRor, ListedItem, WeeklySummary

EMPTY_MESSAGE = ("No activity was recorded for this week: no posts, inbound items, engagement, reviews "
                 "or index points are stored for it.")
PROVISIONAL_MARK = "*"


@dataclass(frozen=True)
class Row:
    """One table row: a label, its cells, whether it is provisional; a group heading has no cells."""

    label: str
    cells: tuple[str, ...] = ()
    provisional: bool = False

    @property
    def is_heading(self) -> bool:
        """A group heading row."""
        return not self.cells


def title(summary: WeeklySummary) -> str:
    """The document title."""
    return f"Weekly engagement summary: {summary.profile}, {summary.week.label}"


def _moment(moment: datetime) -> str:
    return moment.strftime("%a %d %b %Y %H:%M")


def week_span(summary: WeeklySummary) -> str:
    """`Mon 19 Oct 2026 00:00 to Mon 26 Oct 2026 00:00 (Europe/Berlin, 169 h)`."""
    hours = round((summary.end - summary.start).total_seconds() / 3600)
    return f"{_moment(summary.local_start)} to {_moment(summary.local_end)} ({summary.timezone}, {hours} h)"


def generated(summary: WeeklySummary) -> str:
    """When the summary was made, in UTC."""
    return summary.generated_at.strftime("%Y-%m-%d %H:%M UTC")


def index_headers(summary: WeeklySummary) -> tuple[str, str, str, str]:
    """Column headings of the index table, naming the start and end days."""
    index = summary.index
    start = f"Start ({index.start.day:%a %d %b})" if index.start else "Start"
    end = f"End ({index.end.day:%a %d %b})" if index.end else "End"
    return "", start, end, "Change"


def index_rows(summary: WeeklySummary) -> list[Row]:
    """Running and daily index, then every component present, at the start and end of the week."""
    index, provisional = summary.index, "index_end" in summary.provisional.figures
    start, end = index.start, index.end
    rows = [
        Row("Running index", (show(start.running_index if start else None, "score"),
                              show(end.running_index if end else None, "score"),
                              show(index.running_change, "signed1")), provisional),
        Row("Daily index", (show(start.daily_index if start else None, "score"),
                            show(end.daily_index if end else None, "score"),
                            show(index.daily_change, "signed1")), provisional),
    ]
    rows += [Row(component_label(c.name), (show(c.start, "score"), show(c.end, "score"), show(c.change, "signed1")),
                 provisional) for c in index.components]
    return rows


INDEX_NOTE = ("Index start: the day before the week (else its first day); end: its last day. Components: "
              "their latest score in the week before and in this week (a component has no score on a day "
              "without data for it).")


def platform_headers(summary: WeeklySummary) -> list[str]:
    """The platform columns, the total, the total of the week before and the change."""
    return [p.platform for p in summary.platforms] + ["total", "week before", "change"]


def figure_rows(summary: WeeklySummary) -> list[Row]:
    """Every figure per platform and in total, then the week before's total and the change, under group headings."""
    columns = [*summary.platforms, summary.total]
    before = summary.previous_total
    rows: list[Row] = []
    group = None
    for figure in FIGURES:
        if figure.group != group:
            group = figure.group
            rows.append(Row(group))
        cells = tuple(show(figure.read(c), figure.style) for c in columns)
        cells += (show(figure.read(before) if before else None, figure.style),
                  show(change_of(figure, summary.total, before), CHANGE_STYLES[figure.style]))
        rows.append(Row(figure.label, cells, figure.column in summary.provisional.figures))
    return rows


def windows_note(summary: WeeklySummary) -> str:
    """The windows behind the figures, and what n/a means."""
    w = summary.windows
    clock = f" of business hours ({w.business_hours})" if w.business_hours else ""
    return (f"{NOT_AVAILABLE} = not available from the stored data. Answers count within {w.response_sla_hours:g} h"
            f"{clock}; returning engagers also engaged in the {w.engager_lookback_days} days before the week; "
            "NPS is the week's reviews' (5 stars promoter, 4 passive, 1 to 3 detractor).")


def owned_facts(item: ListedItem, summary: WeeklySummary) -> str:
    """`mastodon · 2026-10-20 10:00 · 42 engagement (12 likes, 3 shares, 5 replies, 0 quotes) · 1.23% at 48 h`."""
    counts = f"{show(item.engagement)} engagement ({show(item.likes)} likes, {show(item.shares)} shares, " \
             f"{show(item.replies)} replies, {show(item.quotes)} quotes)"
    rate = (f"{show(item.rate_48h, 'percent2')} of followers at 48 h"
            + (f" {PROVISIONAL_MARK}" if item.provisional else ""))
    return " · ".join((item.platform, local_time(item.created_at, summary.zone), counts, rate))


def inbound_facts(item: ListedItem, summary: WeeklySummary) -> str:
    """`+0.912 · mastodon · reply · 2026-10-20 10:00` (the author is user text: each format adds it escaped)."""
    parts = (show(item.compound, "compound"), item.platform, item.kind, local_time(item.created_at, summary.zone))
    return " · ".join(parts)


def author(item: ListedItem) -> str:
    """`@handle`, or a placeholder (user text: escape it)."""
    return f"@{item.author}" if item.author else "unknown author"


def item_text(item: ListedItem) -> str:
    """The item's text, or a placeholder when it has none."""
    return item.text or "(no text)"


FOUNDERS_HEADING = "Founders' RoR %"
FOUNDERS_NOTE = ("Of the people the brand helped in the 12 months up to the week's end (answered on social, replied "
                 "to their review, resolved their ticket), the share who later ordered or referred a new customer; "
                 "only people your imported CRM or survey data links are counted. The social proxy is the index's "
                 "return-rate component: people helped on social who interacted again.")


def founders_sentences(founders: FoundersRor, summary: WeeklySummary) -> list[str]:
    """The RoR % in words: the figure with the people behind it, the social coverage, the proxy beside it."""
    last_day = f"{(founders.window_end - timedelta(microseconds=1)).astimezone(summary.zone):%d %b %Y}"
    if founders.percent is None:
        figure = f"no linked person was helped in the 12 months up to {last_day}"
    else:
        figure = (f"{show(founders.percent, 'score')}%: {founders.returned} of {founders.helped} linked people "
                  f"helped in the 12 months up to {last_day} came back or referred someone")
    return [figure[0].upper() + figure[1:] + ".",
            f"{founders.social_answered_linked_people} of {founders.social_answered_people} people answered on "
            f"social in that window are linked to the CRM ({founders.linked_people} linked people in all).",
            f"Social proxy (return rate) on the week's last index day: {show(founders.social_proxy, 'score')}."]
