"""Reads what the index components beyond social need (survey answers, orders, campaigns, website days)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from listener.index.sql import IndexContext
from listener.storage.relationship_models import EmailCampaignRow, OrderRow, SurveyResponseRow, WebDayRow
from listener.storage.upsert import table_of
from scoring.relationship_index import (
    Campaign,
    RelationshipFacts,
    RelationshipParams,
    WebDay,
    compute_relationship_components,
)
from scoring.series import days_between
from scoring.signals import local_day


def relationship_params(ctx: IndexContext) -> RelationshipParams:
    """The components' settings from the profile's [index] table."""
    index = ctx.index
    return RelationshipParams(weights=index.weights, survey_window_days=index.nps_window_days,
                              survey_pseudo_count=index.nps_pseudo_count,
                              retention_period_days=index.return_window_days)


def load_relationship_facts(ctx: IndexContext, params: RelationshipParams) -> RelationshipFacts:
    """The profile's survey answers, orders, campaigns and website days that the weighted components need."""
    used, connection, profile_id = set(params.used), ctx.connection, ctx.profile_id
    answers, orders = table_of(SurveyResponseRow), table_of(OrderRow)
    campaigns, web = table_of(EmailCampaignRow), table_of(WebDayRow)
    return RelationshipFacts(
        answers=[(local_day(at, ctx.zone), score) for at, score in connection.execute(
            select(answers.c.submitted_at, answers.c.score).where(answers.c.profile_id == profile_id))]
        if "survey_nps" in used else [],
        orders=[(local_day(at, ctx.zone), customer) for at, customer in connection.execute(
            select(orders.c.ordered_at, orders.c.customer_key).where(orders.c.profile_id == profile_id))]
        if "retention" in used else [],
        campaigns=[Campaign(local_day(at, ctx.zone), recipients, opens, clicks) for at, recipients, opens, clicks in
                   connection.execute(select(campaigns.c.sent_at, campaigns.c.recipients, campaigns.c.opens,
                                             campaigns.c.clicks).where(campaigns.c.profile_id == profile_id))]
        if "email_engagement" in used else [],
        web=[WebDay(day, visits, bounce, duration, conversions) for day, visits, bounce, duration, conversions in
             connection.execute(select(web.c.day, web.c.visits, web.c.bounce_rate, web.c.visit_duration_seconds,
                                       web.c.conversions).where(web.c.profile_id == profile_id))]
        if "web_engagement" in used else [])


def relationship_components(ctx: IndexContext, first: date) -> dict[date, dict[str, Any]]:
    """Per day from `first` to today: the weighted components beyond social (empty when none is weighted)."""
    params = relationship_params(ctx)
    if not params.used or first > ctx.today:
        return {}
    days = list(days_between(first, ctx.today))
    return compute_relationship_components(load_relationship_facts(ctx, params), days, params)


