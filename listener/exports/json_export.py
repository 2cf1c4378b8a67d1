"""JSON for tools: the whole summary under a versioned schema (documented in docs/exports.md)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from listener.exports.model import (
    SCHEMA_NAME,
    SCHEMA_VERSION,
    FoundersRor,
    IndexMoment,
    IndexSummary,
    ListedItem,
    PlatformFigures,
    WeeklySummary,
)
from listener.exports.safety import inert_json


def platform_document(figures: PlatformFigures) -> dict[str, Any]:
    """One platform's (or the total's) figures, grouped as in the model."""
    document = asdict(figures)
    document["engagement"]["total"] = figures.engagement.total
    document["sentiment"]["net_change"] = figures.sentiment.net_change
    return document


def moment_document(moment: IndexMoment | None) -> dict[str, Any] | None:
    """An index point: day, daily and running index, provisional flag, component scores."""
    if moment is None:
        return None
    return {"day": moment.day.isoformat(), "daily_index": moment.daily_index,
            "running_index": moment.running_index, "provisional": moment.provisional,
            "components": moment.components}


def index_document(index: IndexSummary) -> dict[str, Any]:
    """Start, end, changes per component, and the daily series behind the chart."""
    return {
        "formula_version": index.formula_version,
        "start": moment_document(index.start), "end": moment_document(index.end),
        "running_change": index.running_change, "daily_change": index.daily_change,
        "components": [{"name": c.name, "start": c.start, "end": c.end, "change": c.change}
                       for c in index.components],
        "series": [moment_document(m) for m in index.series],
    }


def founders_document(founders: FoundersRor | None, zone: Any) -> dict[str, Any] | None:
    """The founders' RoR % and the counts behind it (never who); None without imported CRM or survey data."""
    if founders is None:
        return None
    document = asdict(founders)
    document["window_start"] = founders.window_start.astimezone(zone).isoformat()
    document["window_end"] = founders.window_end.astimezone(zone).isoformat()
    return document


def item_document(item: ListedItem, zone: Any) -> dict[str, Any]:
    """A listed item; `created_at` in the profile's zone with its offset."""
    document = asdict(item)
    document["created_at"] = item.created_at.astimezone(zone).isoformat()
    return document


def to_document(summary: WeeklySummary) -> dict[str, Any]:
    """The summary as a JSON-ready dict."""
    zone = summary.zone
    return {
        "schema": SCHEMA_NAME, "schema_version": SCHEMA_VERSION,
        "profile": summary.profile, "timezone": summary.timezone, "week": summary.week.label,
        "start": summary.local_start.isoformat(), "end": summary.local_end.isoformat(),
        "generated_at": summary.generated_at.isoformat(), "empty": summary.empty,
        "windows": asdict(summary.windows),
        "provisional": {"figures": summary.provisional.figures, "notes": summary.provisional.notes},
        "platforms": [platform_document(p) for p in summary.platforms],
        "total": platform_document(summary.total),
        "previous_week_total": platform_document(summary.previous_total) if summary.previous_total else None,
        "index": index_document(summary.index),
        "ror_percent": founders_document(summary.ror_percent, zone),
        "top_owned_posts": [item_document(i, zone) for i in summary.top_owned_posts],
        "most_positive": [item_document(i, zone) for i in summary.most_positive],
        "most_negative": [item_document(i, zone) for i in summary.most_negative],
    }


def render(summary: WeeklySummary) -> dict[str, str]:
    """File suffix -> content (UTF-8, stable key order, one trailing newline)."""
    return {".json": json.dumps(inert_json(to_document(summary)), indent=2, ensure_ascii=False) + "\n"}
