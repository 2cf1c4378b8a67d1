"""The pure parts of alerting: baselines, latches, each detector's verdicts, windows across DST,
the retry policy, and what a message says (with user text escaped in every format)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from listener.alerts.buckets import bucket_start, closed_windows
from listener.alerts.content import sample_message
from listener.alerts.outbox import DeliveryPolicy
from listener.alerts.payloads import slack_payload, teams_payload
from listener.alerts.state import series_from_json, series_to_json
from scoring.alert_detectors import (
    Baseline,
    ConnectorDownSettings,
    IndexDropSettings,
    IndexPoint,
    Latch,
    SentimentBucket,
    SentimentDropSettings,
    SeriesState,
    SourceHealth,
    advance,
    assess_connector,
    assess_index_drop,
    step_connector_down,
    step_sentiment_drop,
)

T0 = datetime(2026, 11, 2, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def test_a_baseline_averages_its_first_values_evenly_then_forgets_with_its_half_life() -> None:
    baseline = Baseline()
    for value in (1.0, 2.0, 3.0):
        baseline = baseline.updated(value, alpha=0.01)
    assert baseline.mean == pytest.approx(2.0) and baseline.var == pytest.approx(2 / 3)
    half = Baseline(0.0, 0.0, 100).updated(1.0, alpha=0.5)
    assert half.mean == pytest.approx(0.5)


def test_sampling_noise_is_not_learnt_as_wobble() -> None:
    assert Baseline(0.5, 0.0, 20).updated(0.6, alpha=0.1, noise=0.2).var == 0.0
    assert Baseline(0.5, 0.0, 20).updated(0.6, alpha=0.1).var > 0.0


def test_a_latch_stays_quiet_through_its_cooldown_and_rearms_only_on_recovery_of_the_series_that_fired() -> None:
    fired = Latch().fired("6h", T0, timedelta(hours=24))
    assert not fired.ready(T0 + timedelta(hours=30))  # cooldown over, but not recovered
    assert not fired.recovered("24h").armed  # another window's recovery does not count
    rearmed = fired.recovered("6h")
    assert not rearmed.ready(T0 + timedelta(hours=23)) and rearmed.ready(T0 + timedelta(hours=24))


def test_a_streak_breaks_on_any_window_that_is_not_a_breach() -> None:
    series, latch = SeriesState(), Latch()
    for verdict in ("breach", "no_data", "breach"):
        series, latch, fire = advance(series, latch, verdict, T0, T0 + timedelta(hours=6), "6h", 2,  # type: ignore[arg-type]
                                      timedelta(hours=24), True)
        assert not fire
    series, latch, fire = advance(series, latch, "breach", T0, T0 + timedelta(hours=6), "6h", 2,
                                  timedelta(hours=24), True)
    assert fire and series.streak == 2 and not latch.armed


def test_an_old_window_does_not_fire_but_a_fresh_one_confirming_it_does() -> None:
    series, latch = SeriesState(streak=1, streak_start=T0), Latch()
    series, latch, fire = advance(series, latch, "breach", T0, T0, "6h", 2, timedelta(hours=24), may_fire=False)
    assert not fire and latch.armed
    _, _, fire = advance(series, latch, "breach", T0, T0, "6h", 2, timedelta(hours=24), may_fire=True)
    assert fire


def warm_series(net: float = 0.5, negative: float = 0.15) -> SeriesState:
    return SeriesState(baselines={"net": Baseline(net, 0.0025, 50), "negative": Baseline(negative, 0.0004, 50)})


def bucket(positive: int, negative: int, neutral: int) -> SentimentBucket:
    return SentimentBucket(T0, T0 + timedelta(hours=6), positive, negative, neutral, positive + negative + neutral)


def test_a_quiet_window_is_not_judged_however_negative() -> None:
    step = step_sentiment_drop(warm_series(), Latch(), bucket(0, 12, 2), SentimentDropSettings(), "6h")
    assert step.assessment.verdict == "no_data" and step.series.baselines == warm_series().baselines


def test_a_busy_negative_window_breaches_on_both_readings() -> None:
    step = step_sentiment_drop(warm_series(), Latch(), bucket(20, 60, 20), SentimentDropSettings(hold_buckets=1), "6h")
    assert step.assessment.verdict == "breach" and step.firing is not None
    readings = step.firing.facts["readings"]
    assert readings["net"]["value"] < 0 < readings["net"]["baseline"] and readings["negative"]["value"] > 0.4


def test_the_absolute_margin_stops_a_tiny_but_significant_dip() -> None:
    tight = SeriesState(baselines={"net": Baseline(0.5, 1e-6, 50), "negative": Baseline(0.15, 1e-6, 50)})
    step = step_sentiment_drop(tight, Latch(), bucket(600, 230, 300), SentimentDropSettings(hold_buckets=1), "6h")
    assert step.assessment.verdict != "breach" and step.firing is None


def test_connector_verdicts_follow_its_runs() -> None:
    settings = ConnectorDownSettings(after=timedelta(minutes=60))

    def health(status: str | None, since: datetime | None) -> SourceHealth:
        return SourceHealth("s", status, "boom", None, since, 3)

    now = T0 + timedelta(hours=2)
    assert assess_connector(health(None, None), now, settings) == "no_data"
    assert assess_connector(health("ok", None), now, settings) == "recovered"
    assert assess_connector(health("failed", now - timedelta(minutes=59)), now, settings) == "elevated"
    assert assess_connector(health("deferred", now - timedelta(minutes=60)), now, settings) == "breach"
    latch, firing = step_connector_down(Latch(), health("failed", T0), now, settings)
    assert firing is not None and firing.end == T0 and firing.facts["down_minutes"] == 120 and not latch.armed


def test_the_index_drop_compares_with_the_point_a_lookback_earlier() -> None:
    start = date(2026, 11, 1)
    points = [IndexPoint(start + timedelta(days=n), T0 + timedelta(days=n), 60.0 - 1.5 * n, n >= 8) for n in range(9)]
    assessment, facts = assess_index_drop(points, IndexDropSettings(drop_points=10, lookback_days=7))
    assert assessment.verdict == "breach" and facts["drop"] == 10.5 and facts["earlier_day"] == "2026-11-02"
    assert facts["provisional"] is True
    assert assess_index_drop(points[:5], IndexDropSettings())[0].verdict == "no_data"


def test_detector_state_survives_a_json_round_trip() -> None:
    series = SeriesState(T0, 1, T0 - timedelta(hours=6), {"net": Baseline(0.4, 0.01, 9)})
    assert series_from_json(json.loads(json.dumps(series_to_json(series)))) == series


def test_windows_start_at_local_midnight_and_stretch_across_the_end_of_summer_time() -> None:
    day_end = datetime(2026, 10, 26, tzinfo=BERLIN).astimezone(UTC)
    windows = closed_windows(datetime(2026, 10, 24, 23, tzinfo=UTC), day_end, 6, BERLIN)
    assert [(e - s).total_seconds() / 3600 for s, e in windows] == [7, 6, 6, 6]
    assert windows[0][0] == datetime(2026, 10, 25, tzinfo=BERLIN).astimezone(UTC)
    daily = closed_windows(day_end - timedelta(days=2), day_end, 24, BERLIN)
    assert [(e - s).total_seconds() / 3600 for s, e in daily] == [24, 25]
    moment = datetime(2026, 7, 1, 13, 30, tzinfo=BERLIN)
    assert bucket_start(moment, 6, BERLIN) == datetime(2026, 7, 1, 12, tzinfo=BERLIN)


def test_the_retry_policy_doubles_the_wait_up_to_its_cap() -> None:
    policy = DeliveryPolicy(initial_seconds=60, max_seconds=600)
    assert [policy.wait_after(n).total_seconds() for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]


def test_a_message_escapes_user_text_in_html_slack_and_teams() -> None:
    message = sample_message("acme", "Europe/Berlin", T0)
    text, html = message.text(), message.html()
    assert "Net sentiment: -0.21 (baseline +0.55 ± 0.09; alerts below +0.28)" in text
    assert "<b>Tags</b>" in text  # plain text is shown as written
    assert "<b>Tags</b>" not in html and "&lt;b&gt;Tags&lt;/b&gt; &amp;" in html
    slack = json.dumps(slack_payload(message))
    assert "<b>" not in slack and "&lt;b&gt;Tags&lt;/b&gt; &amp;" in slack
    teams = json.dumps(teams_payload(message))
    assert "[links](https://x.example)" not in teams


def test_a_dangerous_link_is_never_made_clickable() -> None:
    message = sample_message("acme", "UTC", T0)
    message.items[0]["url"] = "javascript:alert(1)"
    for rendered in (message.html(), json.dumps(slack_payload(message)), json.dumps(teams_payload(message))):
        assert "javascript:" not in rendered
