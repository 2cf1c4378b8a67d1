"""Index components beyond social: hand-computed survey NPS, retention, e-mail and website engagement; the series
keeps its old values when none is weighted, and a weighted one joins the daily index with its coverage."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from listener.config.settings import DEFAULT_WEIGHTS
from listener.dashboard.overview import component_changes
from scoring.relationship_index import (
    Campaign,
    RelationshipFacts,
    RelationshipParams,
    WebDay,
    compute_relationship_components,
)
from scoring.series import DayFacts, FormulaParams, SeriesInputs, compute_series

D = date(2026, 11, 18)


def day(offset: int) -> date:
    return D - timedelta(days=offset)


def only(name: str, **params: object) -> RelationshipParams:
    return RelationshipParams(weights={name: 1.0}, **params)  # type: ignore[arg-type]


def test_survey_nps_counts_the_window_and_shrinks_towards_the_running_value() -> None:
    # In the 90 days up to D: promoters 10, 9, 9; passive 7; detractors 6, 0 -> NPS (3 - 2) / 6 = 16.7.
    # The 3 answered 91 days ago fall outside the window (on day D - 91 only they count).
    answers = [(day(1), 10), (day(2), 9), (day(5), 9), (day(10), 7), (day(30), 6), (day(89), 0),
               *[(day(91), 0)] * 3]
    points = compute_relationship_components(RelationshipFacts(answers=answers), [day(91), D],
                                             only("survey_nps", survey_pseudo_count=0.0))
    first, latest = points[day(91)]["survey_nps"], points[D]["survey_nps"]
    assert (first["answers"], first["nps"], first["score"]) == (3, -100.0, 0.0)
    assert (latest["answers"], latest["promoters"], latest["detractors"]) == (6, 3, 2)
    assert latest["nps"] == pytest.approx(100 / 6) and latest["score"] == pytest.approx((100 / 6 + 100) / 2)
    shrunk = compute_relationship_components(RelationshipFacts(answers=answers), [day(91), D],
                                             only("survey_nps", survey_pseudo_count=10.0))[D]["survey_nps"]
    # the running value after day D-91 is -100 x 3 / 13; D's NPS is pulled towards it by 10 imaginary answers
    prior = 100 * (0 - 3) / 13
    assert shrunk["nps_shrunk"] == pytest.approx(100 * (3 - 2 + 10 * prior / 100) / 16)


def test_retention_is_the_share_of_last_periods_customers_who_ordered_again() -> None:
    # Period 100 days. On D the base is who ordered in (D-200, D-100]: a, b, c, d (e ordered only recently,
    # f only before the base period). a and c ordered again in (D-100, D]: retention 2 / 4, churn 0.5.
    orders = [(day(150), "a"), (day(20), "a"), (day(120), "b"), (day(199), "c"), (day(101), "c"), (day(5), "c"),
              (day(110), "d"), (day(10), "e"), (day(250), "f")]
    point = compute_relationship_components(RelationshipFacts(orders=orders), [D],
                                            only("retention", retention_period_days=100,
                                                 retention_pseudo_count=0.0))[D]["retention"]
    assert (point["customers"], point["retained"], point["retention"], point["churn"]) == (4, 2, 0.5, 0.5)
    assert point["score"] == 50.0
    nobody = compute_relationship_components(RelationshipFacts(orders=[(day(3), "a")]), [D],
                                             only("retention", retention_period_days=100))[D]["retention"]
    assert nobody["score"] is None and nobody["customers"] == 0  # no evidence: left out, not 0


def test_email_engagement_compares_the_click_rate_with_the_usual_one() -> None:
    # Last 28 days: 1,000 recipients, 30 clicks (3%); the 90 days before: 4,000 recipients, 60 clicks (1.5%).
    campaigns = [Campaign(day(3), 600, 250, 20), Campaign(day(20), 400, 150, 10),
                 Campaign(day(40), 2000, 700, 30), Campaign(day(100), 2000, 600, 30), Campaign(day(200), 5000, 1, 1)]
    point = compute_relationship_components(RelationshipFacts(campaigns=campaigns), [D],
                                            only("email_engagement"))[D]["email_engagement"]
    assert (point["campaigns"], point["recipients"], point["click_rate"]) == (2, 1000, 0.03)
    assert point["open_rate"] == 0.4 and point["baseline_click_rate"] == 0.015
    assert point["score"] == pytest.approx(100 * 0.03 / (0.03 + 0.015))  # 66.7: twice the usual rate


def test_web_engagement_uses_conversions_or_else_visits_that_did_not_bounce() -> None:
    converting = [WebDay(day(1), 100, 0.5, 60, 4), WebDay(day(3), 100, 0.5, 120, 4), WebDay(day(10), 400, 0.6, 30, 8)]
    point = compute_relationship_components(RelationshipFacts(web=converting), [D],
                                            only("web_engagement"))[D]["web_engagement"]
    assert (point["visits"], point["rate"], point["baseline"], point["measure"]) == (200, 0.04, 0.02, "conversions")
    assert point["mean_visit_seconds"] == 90 and point["score"] == pytest.approx(100 * 0.04 / 0.06)
    bouncing = [WebDay(day(1), 100, 0.25), WebDay(day(10), 100, 0.5)]
    point = compute_relationship_components(RelationshipFacts(web=bouncing), [D],
                                            only("web_engagement"))[D]["web_engagement"]
    assert (point["rate"], point["baseline"], point["measure"]) == (0.75, 0.5, "visits not bounced")


def facts(days: int) -> dict[date, DayFacts]:
    return {day(o): DayFacts(day(o), inbound=4, positive=3, negative=1, scored=4) for o in range(days)}


def test_unweighted_components_leave_the_series_as_it_was_and_a_weighted_one_joins_with_coverage() -> None:
    inputs = SeriesInputs(facts(5), {}, day(4), D, D + timedelta(days=1))
    social = {n: w for n, w in DEFAULT_WEIGHTS.items()}
    before = compute_series(inputs, FormulaParams(weights=social))
    answers = [(day(2), 10), (day(2), 10), (day(1), 3)]
    weights = {**social, "survey_nps": 0.25}
    extra = compute_relationship_components(RelationshipFacts(answers=answers), [day(o) for o in range(4, -1, -1)],
                                            RelationshipParams(weights=weights, survey_pseudo_count=0.0))
    unweighted = compute_relationship_components(RelationshipFacts(answers=answers), [D], RelationshipParams(social))
    assert unweighted == {D: {}}
    after = compute_series(SeriesInputs(facts(5), {}, day(4), D, D + timedelta(days=1), extra=extra),
                           FormulaParams(weights=weights))
    assert [p["daily_index"] for p in after[:2]] == [p["daily_index"] for p in before[:2]]  # no answers yet
    latest, old = after[-1], before[-1]
    assert latest["components"]["survey_nps"]["score"] == pytest.approx((100 / 3 + 100) / 2)
    used = sum(social[n] for n in old["used_components"])
    assert latest["coverage"] == pytest.approx((used + 0.25) / 1.25) and "survey_nps" in latest["used_components"]
    expected = (old["daily_index"] * used + 0.25 * latest["components"]["survey_nps"]["score"]) / (used + 0.25)
    assert latest["daily_index"] == pytest.approx(expected)


def test_the_dashboard_lists_the_weighted_components_beyond_social() -> None:
    points = [{"day": "2026-11-18", "components": {"sentiment": {"score": 60.0}, "survey_nps": {"score": 55.0}}}]
    rows = component_changes(points, {**DEFAULT_WEIGHTS, "survey_nps": 0.1})
    assert [r["name"] for r in rows][-2:] == ["return_rate", "survey_nps"] and rows[-1]["score"] == 55.0
    assert "retention" not in [r["name"] for r in rows]  # weight 0: not part of this profile's index
