"""Explain one day's index: each component, its inputs, its change, and the items that moved it."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from connectors.clock import Clock, utc_now
from listener.config.settings import ProfileConfig
from listener.index.aggregate import formula_version
from listener.index.sql import IndexContext
from listener.read.explain_items import COMPONENT_ITEMS
from listener.read.reports import NoIndexError, stored_profile_id
from listener.read.ror_percent import beside_social_proxy, ror_percent_as_of
from listener.storage.models import IndexPointRow
from listener.storage.upsert import table_of
from scoring.relationship_index import index_components
from scoring.signals import day_bounds

DEFAULT_TOP = 5


class ExplainError(NoIndexError):
    """No index point to explain on that day."""


def _point(connection: Connection, profile_id: int, version: str, day: date | None) -> dict[str, Any] | None:
    points = table_of(IndexPointRow)
    query = select(points).where(points.c.profile_id == profile_id, points.c.formula_version == version)
    query = query.where(points.c.day == day) if day else query.order_by(points.c.day.desc()).limit(1)
    row = connection.execute(query).mappings().first()
    return dict(row) if row else None


def component_effects(point: dict[str, Any], previous: dict[str, Any] | None,
                      weights: dict[str, float]) -> dict[str, float]:
    """Each component's share of the daily index change (they add up to the change).

    A component's contribution to a day is weight / (weights of the components used) x score;
    its effect is today's contribution minus yesterday's.
    """
    def contributions(p: dict[str, Any] | None) -> dict[str, float]:
        if p is None or p["daily_index"] is None:
            return {}
        scores = {n: c.get("score") for n, c in (p["components"] or {}).items()}
        used = {n: s for n, s in scores.items() if s is not None and weights.get(n, 0) > 0}
        total = sum(weights[n] for n in used)
        return {n: weights[n] * s / total for n, s in used.items()} if total else {}

    today, before = contributions(point), contributions(previous)
    return {name: today.get(name, 0.0) - before.get(name, 0.0) for name in index_components(weights)}


def _change(now: float | None, before: float | None) -> float | None:
    return now - before if now is not None and before is not None else None


def _components(ctx: IndexContext, point: dict[str, Any], previous: dict[str, Any] | None,
                weights: dict[str, float], top: int) -> dict[str, Any]:
    effects = component_effects(point, previous, weights)
    found = {}
    for name in index_components(weights):
        inputs = dict((point["components"] or {}).get(name) or {})
        score = inputs.pop("score", None)
        before = ((previous or {}).get("components") or {}).get(name, {}).get("score")
        change = _change(score, before)
        falling = (change if change is not None else (score or 50) - 50) < 0
        found[name] = {"weight": weights.get(name, 0.0), "score": score, "previous_score": before, "change": change,
                       "effect": effects[name], "inputs": inputs,
                       "items": COMPONENT_ITEMS[name](ctx, point["day"], falling, top)
                       if top and name in COMPONENT_ITEMS else []}
    return found


def explain_day(engine: Engine, profile: ProfileConfig, day: date | None = None, *, top: int = DEFAULT_TOP,
                clock: Clock = utc_now) -> dict[str, Any]:
    """The explanation of one day (default: the latest) as a JSON-ready dict."""
    version = formula_version(profile.index)
    with engine.connect() as connection:
        profile_id = stored_profile_id(connection, profile.name)
        point = _point(connection, profile_id, version, day)
        if point is None:
            raise ExplainError(f"no index point for {profile.name!r} on {day}" if day else
                               f"no index points for {profile.name!r} yet: run `ror score` first")
        previous = _point(connection, profile_id, version, point["day"] - timedelta(days=1))
        ctx = IndexContext(connection, profile_id, profile.zone, profile.index, clock())
        components = _components(ctx, point, previous, profile.index.weights, top)
    day_end = day_bounds(point["day"], profile.zone)[1].astimezone(UTC)
    founders = ror_percent_as_of(engine, profile, day_end, clock=clock)
    proxy = [{"day": point["day"].isoformat(), "components": point["components"] or {}}]
    return {
        "profile": profile.name, "day": point["day"].isoformat(), "formula_version": version,
        "provisional": point["provisional"], "daily_index": point["daily_index"],
        "running_index": point["running_index"], "coverage": point["coverage"],
        "used_components": point.get("used_components") or [],
        "previous": None if previous is None else {
            "day": previous["day"].isoformat(), "daily_index": previous["daily_index"],
            "running_index": previous["running_index"]},
        "change": {"daily_index": _change(point["daily_index"], (previous or {}).get("daily_index")),
                   "running_index": _change(point["running_index"], (previous or {}).get("running_index"))},
        "components": components,
        "ror_percent": beside_social_proxy(founders, proxy),
    }
