"""The inbox: items that ask for an answer (the responses table the index keeps), with what the team did.

Which items ask for an answer is decided once, by scoring.needs_answer when the index is updated;
the brand's first reply on the platform is found there too, so answered items leave the open list
by themselves. Handled / assigned / tags and sentiment corrections are the dashboard's own rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, func, literal, select

from listener.dashboard.audit import record_change
from listener.sentiment.corrections import set_correction
from listener.storage.dashboard_models import InboxStateRow
from listener.storage.index_models import ResponseRow
from listener.storage.models import AuthorRow, ItemRow, SentimentCorrectionRow, SentimentRow
from listener.storage.upsert import table_of, upsert_rows
from scoring.sentiment import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD, SCORER_VERSION

STATUSES = ("open", "overdue", "answered", "handled", "all")
LABELS = ("positive", "neutral", "negative")
PAGE_SIZE = 50
MAX_TAGS, MAX_TAG_LENGTH, MAX_NAME_LENGTH = 10, 40, 64


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows: a status, optionally one platform and one sentiment label, and a page."""

    status: str = "open"
    platform: str | None = None
    sentiment: str | None = None
    before: datetime | None = None

    @classmethod
    def of(cls, params: dict[str, str]) -> InboxFilter:
        """The filter from query parameters; unknown values fall back to the defaults."""
        status = params.get("status", "open")
        sentiment = params.get("sentiment") or None
        try:
            before = datetime.fromisoformat(params["before"]) if params.get("before") else None
        except ValueError:
            before = None
        return cls(status if status in STATUSES else "open", params.get("platform") or None,
                   sentiment if sentiment in LABELS else None, before if before and before.tzinfo else None)


def _tables() -> tuple[Any, ...]:
    return tuple(table_of(m) for m in (ResponseRow, ItemRow, AuthorRow, SentimentRow, InboxStateRow,
                                       SentimentCorrectionRow))


def _scored_label(compound: Any) -> Any:
    return case((compound >= POSITIVE_THRESHOLD, literal("positive")),
                (compound <= NEGATIVE_THRESHOLD, literal("negative")), else_=literal("neutral"))


def _inbox_query(profile_id: int) -> tuple[Any, Any, Any]:
    responses, items, authors, scores, states, corrections = _tables()
    label = func.coalesce(corrections.c.label, case((scores.c.compound.is_(None), None),
                                                    else_=_scored_label(scores.c.compound)))
    query = (
        select(responses.c.platform, responses.c.external_id, responses.c.reason, responses.c.created_at,
               responses.c.deadline_at, responses.c.first_reply_at, items.c.kind, items.c.text, items.c.url,
               authors.c.handle, authors.c.display_name, authors.c.external_id.label("author_external_id"),
               scores.c.compound, corrections.c.label.label("corrected_label"), corrections.c.corrected_by,
               label.label("label"), states.c.handled_at, states.c.handled_by, states.c.assignee, states.c.tags)
        .join(items, and_(items.c.platform == responses.c.platform, items.c.external_id == responses.c.external_id))
        .outerjoin(authors, and_(authors.c.platform == items.c.platform,
                                 authors.c.external_id == items.c.author_external_id))
        .outerjoin(scores, and_(scores.c.platform == items.c.platform, scores.c.external_id == items.c.external_id,
                                scores.c.scorer_version == SCORER_VERSION))
        .outerjoin(states, and_(states.c.profile_id == responses.c.profile_id,
                                states.c.platform == responses.c.platform,
                                states.c.external_id == responses.c.external_id))
        .outerjoin(corrections, and_(corrections.c.platform == responses.c.platform,
                                     corrections.c.external_id == responses.c.external_id))
        .where(responses.c.profile_id == profile_id))
    return query, label, states


def _status_clause(status: str, now: datetime) -> Any:
    responses, states = table_of(ResponseRow), table_of(InboxStateRow)
    unanswered = and_(responses.c.first_reply_at.is_(None), states.c.handled_at.is_(None))
    return {"open": unanswered, "overdue": and_(unanswered, responses.c.deadline_at < now),
            "answered": responses.c.first_reply_at.is_not(None), "handled": states.c.handled_at.is_not(None),
            "all": literal(True)}[status]


def list_inbox(engine: Engine, profile_id: int, chosen: InboxFilter, now: datetime,
               limit: int = PAGE_SIZE) -> list[dict[str, Any]]:
    """One page of inbox items, newest first (items of the same moment by platform and id, not by row order), with
    their state and sentiment (corrected where corrected)."""
    responses = table_of(ResponseRow)
    query, label, _ = _inbox_query(profile_id)
    query = query.where(_status_clause(chosen.status, now))
    if chosen.platform:
        query = query.where(responses.c.platform == chosen.platform)
    if chosen.sentiment:
        query = query.where(label == chosen.sentiment)
    if chosen.before:
        query = query.where(responses.c.created_at < chosen.before)
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(responses.c.created_at.desc(), responses.c.platform.desc(),
                                                 responses.c.external_id.desc())
                                  .limit(limit)).mappings().all()
    return [_entry(dict(r), now) for r in rows]


def _entry(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    answered, handled = row["first_reply_at"] is not None, row["handled_at"] is not None
    row["state"] = "answered" if answered else "handled" if handled else \
        "overdue" if row["deadline_at"] < now else "open"
    row["tags"] = list(row["tags"] or [])
    return row


def _require_item(connection: Connection, profile_id: int, platform: str, external_id: str) -> None:
    responses = table_of(ResponseRow)
    found = connection.execute(select(responses.c.id).where(
        responses.c.profile_id == profile_id, responses.c.platform == platform,
        responses.c.external_id == external_id)).first()
    if found is None:
        raise LookupError(f"no inbox item {platform}:{external_id}")


def _save_state(connection: Connection, profile_id: int, platform: str, external_id: str,
                values: dict[str, Any], now: datetime) -> None:
    states = table_of(InboxStateRow)
    current = connection.execute(select(states).where(
        states.c.profile_id == profile_id, states.c.platform == platform,
        states.c.external_id == external_id)).mappings().first()
    row = {"handled_at": None, "handled_by": None, "assignee": None, "tags": [],
           **({k: current[k] for k in ("handled_at", "handled_by", "assignee", "tags")} if current else {}),
           **values, "profile_id": profile_id, "platform": platform, "external_id": external_id, "updated_at": now}
    upsert_rows(connection, InboxStateRow, [row], ["profile_id", "platform", "external_id"],
                ["handled_at", "handled_by", "assignee", "tags", "updated_at"])


def mark_handled(engine: Engine, profile_id: int, platform: str, external_id: str, actor: str, handled: bool,
                 now: datetime) -> None:
    """Mark an item handled (it leaves the open list) or open it again; audited."""
    with engine.begin() as connection:
        _require_item(connection, profile_id, platform, external_id)
        _save_state(connection, profile_id, platform, external_id,
                    {"handled_at": now if handled else None, "handled_by": actor if handled else None}, now)
        record_change(connection, actor, "handled" if handled else "reopened", f"{platform}:{external_id}", {}, now)


def assign(engine: Engine, profile_id: int, platform: str, external_id: str, actor: str, assignee: str,
           now: datetime) -> None:
    """Assign an item to a teammate (an empty name clears it); audited."""
    name = " ".join(assignee.split())[:MAX_NAME_LENGTH] or None
    with engine.begin() as connection:
        _require_item(connection, profile_id, platform, external_id)
        _save_state(connection, profile_id, platform, external_id, {"assignee": name}, now)
        record_change(connection, actor, "assigned", f"{platform}:{external_id}", {"assignee": name}, now)


def parse_tags(text: str) -> list[str]:
    """Comma-separated tags, trimmed, de-duplicated, at most MAX_TAGS of MAX_TAG_LENGTH characters."""
    tags: list[str] = []
    for part in text.split(","):
        tag = " ".join(part.split())[:MAX_TAG_LENGTH]
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:MAX_TAGS]


def set_tags(engine: Engine, profile_id: int, platform: str, external_id: str, actor: str, tags: list[str],
             now: datetime) -> None:
    """Replace an item's tags; audited."""
    with engine.begin() as connection:
        _require_item(connection, profile_id, platform, external_id)
        _save_state(connection, profile_id, platform, external_id, {"tags": tags}, now)
        record_change(connection, actor, "tagged", f"{platform}:{external_id}", {"tags": tags}, now)


def correct_sentiment(engine: Engine, profile_id: int, platform: str, external_id: str, actor: str, label: str,
                      now: datetime) -> None:
    """Store a person's sentiment label for an item; audited.

    The same correction as `ror sentiment set`: it becomes the item's score everywhere (inbox, index,
    alerts, exports, explain) and teaches the profile's calibration.
    """
    if label not in LABELS:
        raise ValueError(f"sentiment {label!r}: expected one of {', '.join(LABELS)}")
    with engine.connect() as connection:
        _require_item(connection, profile_id, platform, external_id)
    set_correction(engine, f"{platform}:{external_id}", label, actor, clock=lambda: now)
    with engine.begin() as connection:
        record_change(connection, actor, "sentiment_corrected", f"{platform}:{external_id}", {"label": label}, now)


def sentiment_label(compound: float | None) -> str | None:
    """The scorer's label for a compound score (the thresholds of scoring.sentiment)."""
    if compound is None:
        return None
    return "positive" if compound >= POSITIVE_THRESHOLD else "negative" if compound <= NEGATIVE_THRESHOLD \
        else "neutral"


__all__ = ["LABELS", "STATUSES", "InboxFilter", "assign", "correct_sentiment", "list_inbox",
           "mark_handled", "parse_tags", "sentiment_label", "set_tags"]
