"""The items and people behind one component on one day, for `ror explain` (read-only queries)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import and_, select

from listener.index.days import response_outcome
from listener.index.sql import IndexContext, day_ranges, in_ranges
from listener.storage.index_models import EngagementDayRow, EngagerDayRow, ResponseRow, ReturnSpanRow
from listener.storage.models import AuthorRow, ItemProfileRow, ItemRow, SentimentRow
from listener.storage.upsert import table_of
from scoring.sentiment import POSITIVE_THRESHOLD, SCORER_VERSION
from scoring.signals import rating_class, stars_out_of_five

SNIPPET = 140


def _snippet(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


def _item(row: Any, value: float | None, note: str) -> dict[str, Any]:
    return {"platform": row.platform, "external_id": row.external_id, "url": row.url, "author": row.handle,
            "created_at": row.created_at.isoformat(), "text": _snippet(row.text), "value": value, "note": note}


def _items_query(extra: tuple[Any, ...] = ()) -> Any:
    items, authors = table_of(ItemRow), table_of(AuthorRow)
    return (select(items.c.platform, items.c.external_id, items.c.url, items.c.text, items.c.created_at,
                   items.c.kind, items.c.rating, items.c.rating_scale, authors.c.handle, *extra)
            .outerjoin(authors, and_(authors.c.platform == items.c.platform,
                                     authors.c.external_id == items.c.author_external_id)))


def _inbound_on(ctx: IndexContext, day: date) -> Any:
    links, items, scores = table_of(ItemProfileRow), table_of(ItemRow), table_of(SentimentRow)
    return (_items_query((scores.c.compound, scores.c.backend))
            .join(links, and_(links.c.platform == items.c.platform, links.c.external_id == items.c.external_id))
            .outerjoin(scores, and_(scores.c.platform == items.c.platform, scores.c.external_id == items.c.external_id,
                                    scores.c.scorer_version == SCORER_VERSION))
            .where(links.c.profile_id == ctx.profile_id, links.c.role == "inbound",
                   in_ranges(links.c.created_at, day_ranges([day], ctx.zone))))


def sentiment_items(ctx: IndexContext, day: date, falling: bool, top: int) -> list[dict[str, Any]]:
    """The most negative (index falling) or most positive inbound items of the day."""
    items, scores = table_of(ItemRow), table_of(SentimentRow)
    query = _inbound_on(ctx, day).where(items.c.kind != "share", scores.c.status == "scored")
    order = scores.c.compound.asc() if falling else scores.c.compound.desc()
    rows = ctx.connection.execute(query.order_by(order, items.c.external_id).limit(top))
    return [_item(r, r.compound, "corrected" if r.backend == "correction" else "compound") for r in rows]


def _gained(ctx: IndexContext, day: date, columns: tuple[str, ...], top: int) -> list[dict[str, Any]]:
    gains, items = table_of(EngagementDayRow), table_of(ItemRow)
    total = sum((gains.c[c] for c in columns[1:]), gains.c[columns[0]])
    rows = ctx.connection.execute(
        _items_query((total.label("gained"),))
        .join(gains, and_(gains.c.platform == items.c.platform, gains.c.external_id == items.c.external_id))
        .where(gains.c.profile_id == ctx.profile_id, gains.c.day == day, total > 0)
        .order_by(total.desc(), items.c.external_id).limit(top))
    return [_item(r, round(r.gained, 3), "+".join(columns) + " gained") for r in rows]


def engagement_items(ctx: IndexContext, day: date, falling: bool, top: int) -> list[dict[str, Any]]:
    """Owned items that gained the most engagement that day."""
    return _gained(ctx, day, ("likes", "shares", "replies", "quotes"), top)


def advocacy_items(ctx: IndexContext, day: date, falling: bool, top: int) -> list[dict[str, Any]]:
    """Owned items shared or quoted most that day, then the day's most positive mentions."""
    items, scores = table_of(ItemRow), table_of(SentimentRow)
    shared = _gained(ctx, day, ("shares", "quotes"), top)
    mentions = ctx.connection.execute(
        _inbound_on(ctx, day).where(items.c.kind.in_(("mention", "post")), scores.c.status == "scored",
                                    scores.c.compound >= POSITIVE_THRESHOLD)
        .order_by(scores.c.compound.desc(), items.c.external_id).limit(top))
    return (shared + [_item(r, r.compound, "positive mention") for r in mentions])[:top]


def responsiveness_items(ctx: IndexContext, day: date, falling: bool, top: int) -> list[dict[str, Any]]:
    """Items whose SLA closed that day: unanswered and late first when falling, fastest answers otherwise."""
    answers, items = table_of(ResponseRow), table_of(ItemRow)
    rows = ctx.connection.execute(
        _items_query((answers.c.reason, answers.c.deadline_at, answers.c.first_reply_at, answers.c.reply_seconds))
        .join(answers, and_(answers.c.platform == items.c.platform, answers.c.external_id == items.c.external_id))
        .where(answers.c.profile_id == ctx.profile_id, answers.c.deadline_day == day)).all()
    found = []
    for r in rows:
        outcome = response_outcome(r.deadline_at, r.first_reply_at, ctx)
        if outcome is not None:
            minutes = round(r.reply_seconds / 60, 1) if r.reply_seconds is not None else None
            found.append((outcome, _item(r, minutes, f"{r.reason}: {outcome}")))
    rank = {"unanswered": 0, "late": 1, "in_time": 2} if falling else {"in_time": 0, "late": 1, "unanswered": 2}
    found.sort(key=lambda f: (rank[f[0]], f[1]["value"] if f[1]["value"] is not None else float("inf")))
    return [item for _, item in found[:top]]


def nps_items(ctx: IndexContext, day: date, falling: bool, top: int) -> list[dict[str, Any]]:
    """Reviews that entered the window that day: lowest first when falling."""
    items = table_of(ItemRow)
    rows = ctx.connection.execute(_inbound_on(ctx, day).where(items.c.rating.is_not(None))).all()
    reviews = [(stars_out_of_five(r.rating, r.rating_scale), r) for r in rows]
    reviews.sort(key=lambda s: (s[0] if falling else -s[0], s[1].external_id))
    return [_item(r, round(stars, 2), rating_class(stars)) for stars, r in reviews[:top]]


def loyalty_items(ctx: IndexContext, day: date, falling: bool, top: int) -> list[dict[str, Any]]:
    """The day's engagers: first-timers and others who were not returning first when falling."""
    days, authors = table_of(EngagerDayRow), table_of(AuthorRow)
    rows = sorted(ctx.connection.execute(select(days, authors.c.handle, authors.c.url).outerjoin(
        authors, and_(authors.c.platform == days.c.platform, authors.c.external_id == days.c.author_external_id))
        .where(days.c.profile_id == ctx.profile_id, days.c.day == day)),
        key=lambda r: (r.is_returning != (not falling), -r.interactions, r.author_external_id))
    return [_person(r, r.interactions, "returning" if r.is_returning else "new" if r.is_first else "back after a gap")
            for r in rows[:top]]


def _person(row: Any, value: float | None, note: str) -> dict[str, Any]:
    return {"platform": row.platform, "author_external_id": row.author_external_id, "author": row.handle,
            "url": row.url, "value": value, "note": note}


def return_rate_items(ctx: IndexContext, day: date, falling: bool, top: int) -> list[dict[str, Any]]:
    """People who came back that day, and people the brand helped that day (first when falling)."""
    spans, authors = table_of(ReturnSpanRow), table_of(AuthorRow)
    rows = sorted(ctx.connection.execute(select(spans, authors.c.handle, authors.c.url).outerjoin(
        authors, and_(authors.c.platform == spans.c.platform, authors.c.external_id == spans.c.author_external_id))
        .where(spans.c.profile_id == ctx.profile_id, spans.c.start_day == day)),
        key=lambda r: ((r.kind == "returned") == falling, r.author_external_id))
    notes = {"returned": "came back after a reply", "helped": "replied to by the brand"}
    return [_person(r, None, notes[r.kind]) for r in rows[:top]]


COMPONENT_ITEMS: dict[str, Callable[[IndexContext, date, bool, int], list[dict[str, Any]]]] = {
    "sentiment": sentiment_items, "engagement": engagement_items, "advocacy": advocacy_items,
    "loyalty": loyalty_items, "responsiveness": responsiveness_items, "nps": nps_items,
    "return_rate": return_rate_items,
}
