"""The aggregator: keep a profile's derived rows, day facts and index series up to date.

An update finds what changed since the last one (rows past the stored watermarks), rebuilds
the derived rows of those items and people, re-sums the day facts of the days they touch,
and re-runs the formula from the first day whose facts moved, writing only the points that moved. A first run,
a change of the facts' own parameters (time zone, SLA, windows, scorer) or `ror recompute`
rebuilds everything.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, delete, select

from connectors.clock import Clock, utc_now
from listener.config.settings import ProfileConfig
from listener.index.days import FACT_GROUPS, GatheredFacts, prune_empty_days
from listener.index.formula import formula_parameters, formula_version
from listener.index.items import ResponseWriter, first_owned_replies, refresh_owned, refresh_responses
from listener.index.scope import Scope, changes_since_marks, changes_since_time, current_marks
from listener.index.series import load_facts, write_series
from listener.index.sql import IndexContext, LocalDays, days_from
from listener.ledger.delta import Watermarks
from listener.ledger.update import rebuild_people, refresh_people
from listener.storage.index_models import (
    EngagementDayRow,
    EngagerDayRow,
    EngagerRow,
    EngagerStateRow,
    IndexDayRow,
    IndexStateRow,
    LocalDayBoundsRow,
    OwnedPostRow,
    ResponseRow,
    ReturnSpanRow,
)
from listener.storage.store import ensure_profile
from listener.storage.upsert import table_of, upsert_rows
from scoring.index import parameters_digest
from scoring.sentiment import SCORER_VERSION
from scoring.series import DayFacts

FACTS_VERSION = "facts-3"  # 2: exact compound sums, engager_states; 3: item sums per local day in SQL
ANALYZED = "analyzed_at_links"
ANALYZE_FROM = 1000
DERIVED_TABLES = (IndexDayRow, EngagementDayRow, OwnedPostRow, ResponseRow, EngagerRow, EngagerDayRow, ReturnSpanRow,
                  EngagerStateRow, LocalDayBoundsRow)


def facts_digest(profile: ProfileConfig) -> str:
    """A digest of what the stored day facts depend on; a change means rebuilding them."""
    index = profile.index
    return parameters_digest({
        "facts": FACTS_VERSION, "scorer_version": SCORER_VERSION, "sentiment": index.sentiment_settings,
        "timezone": profile.timezone,
        "sla_hours": index.sla_hours, "business_hours": index.business_hours, "business_days": index.business_days,
        "loyalty_window_days": index.loyalty_window_days, "return_window_days": index.return_window_days,
    })


def refresh_planner_statistics(ctx: IndexContext, marks: dict[str, int], *, force: bool) -> int:
    """On SQLite, ANALYZE after a rebuild and whenever the data has doubled; returns the size analyzed at.

    Without statistics SQLite guesses that a profile's item links are few and scans all of
    them instead of using the author and parent indexes; PostgreSQL analyzes by itself.
    """
    size, analyzed = marks["item_profiles"], marks[ANALYZED]
    if ctx.connection.dialect.name != "sqlite" or not (force or size >= 2 * max(analyzed, ANALYZE_FROM)):
        return analyzed
    ctx.connection.exec_driver_sql("ANALYZE")
    return size


def _load_state(ctx: IndexContext) -> dict[str, Any] | None:
    table = table_of(IndexStateRow)
    row = ctx.connection.execute(select(table).where(table.c.profile_id == ctx.profile_id)).mappings().first()
    return dict(row) if row else None


def _save_state(ctx: IndexContext, digest: str, marks: dict[str, int]) -> None:
    upsert_rows(ctx.connection, IndexStateRow,
                [{"profile_id": ctx.profile_id, "facts_digest": digest, "watermarks": marks, "last_run_at": ctx.now}],
                ["profile_id"], ["facts_digest", "watermarks", "last_run_at"])


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a while (the objects freed by reference counting still are at once).

    A rebuild makes a tuple or two per item and row, none of them in a cycle: at 20,000 items the collector
    ran some 200 times over them (a tenth of the rebuild's CPU) and found nothing to free.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def rebuild_facts(ctx: IndexContext) -> None:
    """Drop the profile's derived rows and rebuild them all from the raw tables."""
    with _collector_paused():
        _rebuild_facts(ctx)


def _rebuild_facts(ctx: IndexContext) -> None:
    for model in DERIVED_TABLES:
        table = table_of(model)
        ctx.connection.execute(delete(table).where(table.c.profile_id == ctx.profile_id))
    refresh_owned(ctx, None)
    replies = first_owned_replies(ctx, None)  # the brand's answers, for the responses and the ledger alike
    day_of = LocalDays(ctx.zone)  # one for both: each local day's span found once
    responses = ResponseWriter(ctx, replies, day_of)  # fed by the ledger's read of the inbound items: read once
    rebuild_people(ctx, replies, responses.add, day_of)
    responses.flush()
    facts = GatheredFacts()
    for refresh in FACT_GROUPS.values():
        refresh(ctx, None, facts)
    facts.save(ctx)


def apply_scope(ctx: IndexContext, scope: Scope, recent: set[date],
                marks: Watermarks | None = None) -> tuple[set[date], dict[date, DayFacts]]:
    """Rebuild the derived rows in `scope`, then the day facts of every day they touched.

    `recent` days are always re-summed for answers: SLA windows close as time passes,
    with no new row to say so. With `marks` (the scope is exactly the rows past them), the
    people's ledgers fold in the new rows instead of being rebuilt. Returns the days re-summed
    and their facts before.
    """
    engagement_days = refresh_owned(ctx, scope.owned)
    response_days = refresh_responses(ctx, scope.responses)
    loyalty_days, return_days = refresh_people(ctx, scope.people, marks)
    days = {
        "items": scope.days, "engagement": engagement_days | scope.days,
        "responses": response_days | recent | scope.days, "loyalty": loyalty_days | scope.days,
        "returns": return_days | scope.days,
    }
    touched: set[date] = set().union(*days.values())
    before = load_facts(ctx, touched)
    for group, refresh in FACT_GROUPS.items():
        if days[group]:
            refresh(ctx, days[group], None)
    prune_empty_days(ctx, touched)
    return touched, before


def update_index(engine: Engine, profile: ProfileConfig, *, clock: Clock = utc_now,
                 since: datetime | None = None, rebuild: bool = False) -> int:
    """Bring one profile's index up to date in one transaction; returns the series' length."""
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, profile.name, profile.timezone)
        ctx = IndexContext(connection, profile_id, profile.zone, profile.index, clock())
        state, marks, digest = _load_state(ctx), current_marks(ctx), facts_digest(profile)
        previous = (state or {}).get("watermarks") or {}
        marks[ANALYZED] = previous.get(ANALYZED, 0)
        resummed: tuple[set[date], dict[date, DayFacts]] | None = None
        if rebuild or state is None or state["facts_digest"] != digest:
            rebuild_facts(ctx)
            marks[ANALYZED] = refresh_planner_statistics(ctx, marks, force=True)
        else:
            marks[ANALYZED] = refresh_planner_statistics(ctx, marks, force=False)
            scope = changes_since_marks(ctx, previous, marks)
            if since is not None:
                scope.merge(changes_since_time(ctx, since))
            resummed = apply_scope(ctx, scope, days_from(ctx.day_of(min(state["last_run_at"], ctx.now)), ctx.today),
                                   Watermarks(previous, marks) if since is None else None)
        count = write_series(ctx, formula_version(profile.index), formula_parameters(profile.index), resummed)
        _save_state(ctx, digest, marks)
    return count


def aggregate_profile(engine: Engine, profile: ProfileConfig, *, clock: Clock = utc_now) -> int:
    """Update one profile's index with what arrived since the last update; returns the series' length."""
    return update_index(engine, profile, clock=clock)


def recompute_profile(engine: Engine, profile: ProfileConfig, *, since: datetime | None = None,
                      clock: Clock = utc_now) -> int:
    """Rebuild the index from the raw rows: everything, or what was made or seen since `since`."""
    return update_index(engine, profile, clock=clock, since=since, rebuild=since is None)
