"""Scoring: text clean-up, language rules, sentiment status, signals and index arithmetic."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.html_text import html_to_text
from scoring.index import daily_index, ewma_step, nps_component, relative_component, sentiment_component
from scoring.language import detect_language, resolve_language
from scoring.sentiment import score_text
from scoring.signals import (
    CounterObservation,
    SentimentCounts,
    attribute_growth,
    count_sentiment,
    followers_by_day,
    followers_on,
    local_day,
    shrink_net_sentiment,
    trailing_median,
)
from scoring.text import clean_for_sentiment, has_markup

BERLIN = ZoneInfo("Europe/Berlin")


def test_html_to_text_keeps_links_and_paragraphs() -> None:
    html = ('<p>Hi <span class="h-card"><a href="x" class="u-url mention">@<span>acme</span></a></span> '
            '<a href="https://e.x/a"><span class="invisible">https://</span><span>e.x/a</span></a>'
            ' &amp; &lt;3</p><p>two</p>')
    assert html_to_text(html) == "Hi @acme https://e.x/a & <3\ntwo"


def test_clean_for_sentiment_drops_urls_and_marks_handles_keeps_hashtag_words() -> None:
    text = "@acme@mastodon.social I #love it!! https://acme.example/x?y=1 &amp; more"
    assert clean_for_sentiment(text) == "@_ I love it!! & more"


def test_clean_up_keeps_caps_emphasis_trailing_bang_and_drops_short_tags() -> None:
    from scoring.vader import polarity_scores

    assert polarity_scores(clean_for_sentiment("@acme THIS IS GREAT"))["compound"] > polarity_scores(
        "THIS IS GREAT")["compound"] - 1e-9
    assert clean_for_sentiment("look https://x.example/a!") == "look !"
    assert clean_for_sentiment("#FF @bob") == ""
    assert clean_for_sentiment("#FF thanks all #love") == "thanks all love"
    shoutout = clean_for_sentiment("Shoutout to @acme: fastest support I have ever had.")
    assert polarity_scores(shoutout)["compound"] > 0.05  # not the "@:" emoticon


def test_clean_up_collapses_every_kind_of_unicode_space_like_a_regex() -> None:
    spaces = [chr(code) for code in range(0x3000 + 1) if chr(code).isspace()]
    for space in spaces:
        text = f"{space}late{space}{space}again{space}"
        assert clean_for_sentiment(text) == re.sub(r"\s+", " ", text).strip() == "late again"


def test_text_without_markup_is_only_collapsed_by_the_clean_up() -> None:
    pieces = ["late", "How", "@", "@acme", "#", "#love", "&", "&amp;", "://", "www.", "WWW.", "_", "__", " ", "\u3000",
              "\n", "?", "!", ".", "x.example", "http", "w"]
    generator = random.Random(7)
    for _ in range(5000):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(0, 6)))
        if not has_markup(text):
            assert clean_for_sentiment(text) in (" ".join(text.split()), "")


def test_platform_language_wins_over_detection() -> None:
    guess = resolve_language("en-GB", "Ich liebe dieses Produkt, es ist wirklich toll!")
    assert (guess.code, guess.source) == ("en", "platform")


@pytest.mark.parametrize("text", ["lol ok", "Super product 👍", "great"])
def test_short_texts_are_uncertain_not_guessed(text: str) -> None:
    guess = detect_language(text)
    assert guess.code is None and guess.source == "uncertain"


def test_confident_detection_on_longer_text() -> None:
    guess = detect_language("Ich liebe dieses Produkt, es ist wirklich toll!")
    assert guess.code == "de" and guess.source == "detected" and guess.confidence > 0.5


def test_german_is_detected_and_scored_negative() -> None:
    score = score_text("Der Kaffee ist leider furchtbar und die Mühle ist kaputt.", None)
    assert score.status == "scored" and score.compound is not None and score.compound < -0.05
    assert score.language == "de" and score.backend is not None and score.backend.startswith("lexicon-model-de")


def test_language_without_backend_is_unscored_not_neutral() -> None:
    platform = score_text("Grazie mille, tutto perfetto", "it")
    assert platform.status == "unsupported_language" and platform.language_source == "platform"
    assert platform.compound is None


def test_uncertain_short_text_is_scored_and_flagged() -> None:
    score = score_text("lol ok", None)
    assert score.status == "scored" and score.language_source == "uncertain" and score.compound is not None


def test_empty_text_has_no_score() -> None:
    assert score_text("  https://x.example  ", "en").status == "no_text"


def test_count_sentiment_uses_vader_thresholds() -> None:
    counts = count_sentiment([0.05, 0.049, -0.05, -0.049, 0.9, None])
    assert (counts.positive, counts.negative, counts.neutral, counts.unscored) == (2, 1, 2, 1)
    assert counts.net == pytest.approx(1 / 3)
    assert counts.mean_compound == pytest.approx((0.05 + 0.049 - 0.05 - 0.049 + 0.9) / 5)
    assert count_sentiment([]).net is None


def test_shrinkage_moves_less_on_three_items_than_on_three_hundred() -> None:
    few = SentimentCounts(positive=0, negative=3, neutral=0, unscored=0, mean_compound=-0.5)
    many = SentimentCounts(positive=0, negative=300, neutral=0, unscored=0, mean_compound=-0.5)
    prior = 0.6
    assert shrink_net_sentiment(few, prior, 10) == pytest.approx((0 - 3 + 10 * 0.6) / 13)
    assert shrink_net_sentiment(many, prior, 10) == pytest.approx((0 - 300 + 6) / 310)
    assert abs(shrink_net_sentiment(few, prior, 10) - prior) < abs(shrink_net_sentiment(many, prior, 10) - prior)


def test_local_day_follows_the_profile_time_zone() -> None:
    moment = datetime(2026, 11, 17, 23, 30, tzinfo=UTC)
    assert local_day(moment, BERLIN) == date(2026, 11, 18)
    assert local_day(moment, ZoneInfo("America/New_York")) == date(2026, 11, 17)


def test_growth_is_spread_over_the_interval_and_first_count_goes_to_creation_day() -> None:
    created = datetime(2026, 11, 16, 10, tzinfo=UTC)
    observations = [
        CounterObservation(datetime(2026, 11, 17, 11, tzinfo=UTC), 10),
        CounterObservation(datetime(2026, 11, 17, 23, tzinfo=UTC), 22),  # 00:00 Berlin on the 18th
        CounterObservation(datetime(2026, 11, 18, 11, tzinfo=UTC), 34),
    ]
    gained = attribute_growth(created, observations, BERLIN)
    assert gained[date(2026, 11, 16)] == pytest.approx(10)
    assert gained[date(2026, 11, 17)] == pytest.approx(12)
    assert gained[date(2026, 11, 18)] == pytest.approx(12)


def test_growth_across_a_dst_change_uses_the_23_hour_day() -> None:
    # Berlin springs forward on 2026-03-29: that day has 23 hours.
    start = datetime(2026, 3, 28, 23, tzinfo=UTC)  # 00:00 local on the 29th
    end = datetime(2026, 3, 29, 23, tzinfo=UTC)  # 01:00 local on the 30th
    gained = attribute_growth(start, [CounterObservation(start, 0), CounterObservation(end, 24)], BERLIN)
    assert gained[date(2026, 3, 29)] == pytest.approx(23)
    assert gained[date(2026, 3, 30)] == pytest.approx(1)


def test_followers_on_uses_the_latest_earlier_observation() -> None:
    history = {date(2026, 11, 10): 100, date(2026, 11, 15): 120}
    assert followers_on(date(2026, 11, 12), history) == 100
    assert followers_on(date(2026, 11, 20), history) == 120
    assert followers_on(date(2026, 11, 1), history) == 100
    assert followers_on(date(2026, 11, 1), {}) is None


def test_followers_by_day_equals_the_latest_earlier_observation_of_each_day() -> None:
    chosen = random.Random(5)
    first = date(2026, 1, 1)
    for _ in range(200):
        history = {first + timedelta(days=chosen.randrange(60)): chosen.randrange(1000)
                   for _ in range(chosen.randrange(6))}
        days = [first + timedelta(days=chosen.randrange(-5, 70)) for _ in range(chosen.randrange(1, 40))]
        expected = {}
        for day in days:  # the definition, day by day
            earlier = [d for d in history if d <= day]
            expected[day] = history[max(earlier)] if earlier else (history[min(history)] if history else None)
        found = followers_by_day(days, history)
        assert found == expected and list(found) == list(dict.fromkeys(days))


def test_trailing_median_excludes_the_day_itself() -> None:
    day = date(2026, 11, 20)
    values = {day - timedelta(days=i): float(i) for i in range(0, 40)}
    assert trailing_median(values, day, 28) == pytest.approx(14.5)
    assert trailing_median({}, day, 28) is None


def test_component_mappings() -> None:
    assert sentiment_component(-1) == 0 and sentiment_component(0) == 50 and sentiment_component(1) == 100
    assert relative_component(2.0, 2.0) == 50 and relative_component(6.0, 2.0) == 75
    assert relative_component(0, 0) == 50
    assert nps_component(-100) == 0 and nps_component(40) == 70


def test_daily_index_renormalises_over_present_components() -> None:
    weights = {"sentiment": 0.25, "engagement": 0.15, "nps": 0.6}
    result = daily_index({"sentiment": 80.0, "engagement": 40.0, "nps": None}, weights)
    assert result.value == pytest.approx((0.25 * 80 + 0.15 * 40) / 0.4)
    assert result.coverage == pytest.approx(0.4) and result.used == ("engagement", "sentiment")
    assert daily_index({"sentiment": None}, weights).value is None


def test_ewma_half_life() -> None:
    assert ewma_step(None, 70, 1, 7) == 70
    assert ewma_step(50, 100, 7, 7) == pytest.approx(75)
    assert ewma_step(50, 100, 14, 7) == pytest.approx(87.5)


def test_growth_over_several_days_across_the_autumn_dst_change_keeps_every_hour() -> None:
    # Sat 2026-10-24 00:00 CEST to Tue 2026-10-27 00:00 CET is 73 hours; Sunday has 25.
    start = datetime(2026, 10, 23, 22, tzinfo=UTC)
    end = datetime(2026, 10, 26, 23, tzinfo=UTC)
    gained = attribute_growth(start, [CounterObservation(start, 0), CounterObservation(end, 73)], BERLIN)
    assert gained[date(2026, 10, 24)] == pytest.approx(24)
    assert gained[date(2026, 10, 25)] == pytest.approx(25)
    assert gained[date(2026, 10, 26)] == pytest.approx(24)
    assert sum(gained.values()) == pytest.approx(73)
