"""CSV for tools: one row per platform plus a total (stable columns), and a second file of listed items."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from listener.exports.columns import FIGURES, local_time
from listener.exports.model import TOTAL, FoundersRor, ListedItem, PlatformFigures, WeeklySummary
from listener.exports.safety import neutralise_cell

KEY_COLUMNS = ("profile", "week", "week_start", "week_end", "timezone", "platform")
INDEX_COLUMNS = ("index_start", "index_end", "index_change")
FOUNDERS_COLUMNS = ("ror_percent", "ror_helped", "ror_returned", "ror_linked_people")
SUMMARY_COLUMNS: tuple[str, ...] = (*KEY_COLUMNS, *(f.column for f in FIGURES), *INDEX_COLUMNS, *FOUNDERS_COLUMNS,
                                    "provisional")
ITEM_COLUMNS: tuple[str, ...] = (
    "profile", "week", "list", "rank", "platform", "external_id", "kind", "created_at", "author", "url", "text",
    "sentiment", "likes", "shares", "replies", "quotes", "engagement", "rate_48h", "provisional",
)
LISTS = ("top_owned_post", "most_positive", "most_negative")
PREVIOUS_TOTAL = "total_previous_week"  # the last row: the week before's total, for week-over-week changes


def _table(columns: Sequence[str], rows: Iterable[dict[str, object]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else neutralise_cell(v) for k, v in row.items()})
    return buffer.getvalue()


def _platform_row(summary: WeeklySummary, figures: PlatformFigures) -> dict[str, object]:
    is_total = figures.platform == TOTAL
    index = summary.index
    provisional = [c for c in summary.provisional.figures if is_total or c not in INDEX_COLUMNS]
    return {
        "profile": summary.profile, "week": summary.week.label, "week_start": summary.local_start.isoformat(),
        "week_end": summary.local_end.isoformat(), "timezone": summary.timezone, "platform": figures.platform,
        **{f.column: f.read(figures) for f in FIGURES},
        "index_start": index.start.running_index if is_total and index.start else None,
        "index_end": index.end.running_index if is_total and index.end else None,
        "index_change": index.running_change if is_total else None,
        **_founders_cells(summary.ror_percent if is_total else None),
        "provisional": " ".join(provisional),
    }


def _previous_row(summary: WeeklySummary, figures: PlatformFigures) -> dict[str, object]:
    week = summary.week.previous()
    start, end = week.bounds(summary.zone)
    return {"profile": summary.profile, "week": week.label, "week_start": start.isoformat(),
            "week_end": end.isoformat(), "timezone": summary.timezone, "platform": PREVIOUS_TOTAL,
            **{f.column: f.read(figures) for f in FIGURES}}


def _founders_cells(founders: FoundersRor | None) -> dict[str, object]:
    """The RoR % columns: filled on the total row of a profile with imported CRM or survey data."""
    if founders is None:
        return dict.fromkeys(FOUNDERS_COLUMNS)
    return {"ror_percent": founders.percent, "ror_helped": founders.helped, "ror_returned": founders.returned,
            "ror_linked_people": founders.linked_people}


def summary_csv(summary: WeeklySummary) -> str:
    """The per-platform table: one row per platform, the total, then the week before's total."""
    rows = [_platform_row(summary, f) for f in (*summary.platforms, summary.total)]
    if summary.previous_total is not None:
        rows.append(_previous_row(summary, summary.previous_total))
    return _table(SUMMARY_COLUMNS, rows)


def _item_row(summary: WeeklySummary, name: str, rank: int, item: ListedItem) -> dict[str, object]:
    return {
        "profile": summary.profile, "week": summary.week.label, "list": name, "rank": rank,
        "platform": item.platform, "external_id": item.external_id, "kind": item.kind,
        "created_at": local_time(item.created_at, summary.zone), "author": item.author, "url": item.url,
        "text": item.text, "sentiment": item.compound, "likes": item.likes, "shares": item.shares,
        "replies": item.replies, "quotes": item.quotes, "engagement": item.engagement, "rate_48h": item.rate_48h,
        "provisional": "yes" if item.provisional else "",
    }


def items_csv(summary: WeeklySummary) -> str:
    """The listed items: top owned posts, most positive and most negative inbound items, with their text."""
    lists = zip(LISTS, (summary.top_owned_posts, summary.most_positive, summary.most_negative), strict=True)
    rows = [_item_row(summary, name, rank, item)
            for name, items in lists for rank, item in enumerate(items, start=1)]
    return _table(ITEM_COLUMNS, rows)


def render(summary: WeeklySummary) -> dict[str, str]:
    """File suffix -> content."""
    return {".csv": summary_csv(summary), "-items.csv": items_csv(summary)}
