"""Concepts declared in two places stay pinned to each other: day facts, alert defaults, the polarity rule."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from listener.config.alerts import (
    ConnectorDownConfig,
    IndexDropConfig,
    SentimentDropConfig,
    VolumeSpikeConfig,
)
from listener.storage.index_models import IndexDayRow
from scoring import alert_detectors
from scoring.series import DayFacts

DAY_ROW_ONLY = {"id", "profile_id"}


def test_day_facts_and_the_index_days_table_have_the_same_fields() -> None:
    facts = {f.name for f in dataclasses.fields(DayFacts)}
    columns = set(IndexDayRow.model_fields) - DAY_ROW_ONLY
    assert facts == columns


def test_a_day_facts_row_missing_a_field_is_an_error_not_a_zero() -> None:
    row = {f.name: 0 for f in dataclasses.fields(DayFacts)} | {"day": date(2026, 12, 1), "unsupported": None}
    assert DayFacts.from_mapping(row).inbound == 0
    del row["negative"]
    with pytest.raises(KeyError, match="negative"):
        DayFacts.from_mapping(row)


@pytest.mark.parametrize(("config", "settings"), [
    (SentimentDropConfig().settings(24), alert_detectors.SentimentDropSettings()),
    (VolumeSpikeConfig().settings(), alert_detectors.VolumeSpikeSettings()),
    (IndexDropConfig().settings(), alert_detectors.IndexDropSettings()),
    (ConnectorDownConfig().settings(), alert_detectors.ConnectorDownSettings()),
])
def test_config_defaults_are_the_detectors_defaults(config: object, settings: object) -> None:
    differing = {f.name: (getattr(config, f.name), getattr(settings, f.name))
                 for f in dataclasses.fields(settings)  # type: ignore[arg-type]
                 if f.name != "half_life_buckets" and getattr(config, f.name) != getattr(settings, f.name)}
    assert differing == {}
