"""The customer-care layer's learned model: what it reads, where it may move a score, and how it is trained."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import sentiment_train_care
from bench.sentiment_quality import CORPORA, DEFAULT_DATA_DIR, load_corpus
from scoring.backends.care import CareLayer
from scoring.backends.care_model import (
    MIN_MARGIN,
    SHORT_MIN_MARGIN,
    CareModel,
    care_features,
    care_model,
    least_margin,
    with_care_model,
)
from scoring.backends.linear import LinearModel
from scoring.backends.vader_backend import VaderBackend
from scoring.text import clean_for_sentiment

WITH_MODEL, RULES_ONLY = CareLayer(VaderBackend()), CareLayer(VaderBackend(), use_model=False)


@pytest.mark.parametrize("text", [
    "the battery dies after an hour and the screen flickers",
    "waited forty minutes and the food was cold",
])
def test_the_model_finds_complaints_that_vader_and_the_rules_leave_neutral(text: str) -> None:
    assert RULES_ONLY.score(text).compound == 0.0
    assert -0.3 <= WITH_MODEL.score(text).compound <= -0.05


@pytest.mark.parametrize("text", [
    "Love the new menu, great service!", "Do you ship to Canada?", "The museum opens at 10 on Sundays.",
    "Thanks, the replacement arrived today and works fine.", "Third time asking: where is my refund?",
])
def test_the_model_leaves_praise_plain_questions_and_known_complaints_as_they_were(text: str) -> None:
    assert WITH_MODEL.score(text) == RULES_ONLY.score(text)


@pytest.mark.parametrize("text", [
    "got upgraded at check in for no reason, made my week",  # the model alone reads it as a complaint
    "@_ will the console version get the same patch",
])
def test_the_model_is_not_asked_about_praise_or_a_plain_question_the_rules_found(text: str) -> None:
    inputs = RULES_ONLY.inputs(text)
    assert not inputs.complaint and care_model().margin(inputs) > 0, "the model would call it a complaint"
    assert WITH_MODEL.score(text) == RULES_ONLY.score(text)
    assert WITH_MODEL.score(text).compound > -0.05


def test_the_model_only_ever_moves_a_score_to_mildly_negative() -> None:
    reviews = load_corpus(DEFAULT_DATA_DIR / CORPORA["product_reviews"])[:800]
    texts = [clean_for_sentiment(item.text) for item in reviews]
    moved = [(RULES_ONLY.score(t).compound, WITH_MODEL.score(t).compound) for t in texts]
    changed = [(before, after) for before, after in moved if before != after]
    assert changed, "the model moves some review sentences"
    assert all(-0.05 < before < 0.5 and -0.3 <= after <= -0.05 for before, after in changed)


def test_with_care_model_keeps_negative_texts_and_negative_margins() -> None:
    assert with_care_model(-0.4, 5.0) == -0.4
    assert with_care_model(0.6, -0.1) == 0.6
    assert with_care_model(0.6, 0.0) == 0.6
    assert with_care_model(0.0, MIN_MARGIN) == 0.0, "a margin at or below MIN_MARGIN is not sure enough"
    assert with_care_model(0.0, 0.31) == pytest.approx(-0.0885, abs=1e-4)
    assert with_care_model(0.49, 50.0) == -0.3
    assert with_care_model(0.5, 50.0) == 0.5, "a clearly positive text is left as it is"


def test_the_quick_margin_equals_the_plain_linear_model_on_review_sentences() -> None:
    text = (Path(__file__).resolve().parents[1] / "scoring" / "backends" / "data" / "care_model_en.json").read_text()
    plain, quick = LinearModel.from_json(json.loads(text)), care_model("en")
    for item in load_corpus(DEFAULT_DATA_DIR / CORPORA["movie_reviews"])[:500]:
        inputs = RULES_ONLY.inputs(clean_for_sentiment(item.text))
        assert quick.margin(inputs) == pytest.approx(plain.margin(care_features(inputs)), abs=1e-9)


def test_a_repeated_word_or_pair_counts_once_as_in_training() -> None:
    model = CareModel(LinearModel("en", "t", {"late": 1.0, "so late": 0.5}))
    once, twice = RULES_ONLY.inputs("so late"), RULES_ONLY.inputs("so late so late")
    assert model.margin(once) == model.margin(twice) == 1.5


def test_the_care_layer_label_names_the_model_version() -> None:
    assert WITH_MODEL.version.endswith(f"+{sentiment_train_care.MODEL_VERSION}")
    assert "+care-lr" not in RULES_ONLY.version


def write_corpus(folder: Path, name: str, rows: list[tuple[str, str]]) -> None:
    (folder / name).mkdir(parents=True)
    lines = [f"{name}{i}\t{label}\t{text}" for i, (label, text) in enumerate(rows)]
    (folder / name / "data.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_training_writes_a_model_that_learned_from_the_review_corpora(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sentiment_train_care, "DATA_OUT", tmp_path)
    monkeypatch.setattr(sentiment_train_care, "CARE_SETS", ())  # the outside corpora alone: a quick fit
    corpora = tmp_path / "corpora"
    for name in sentiment_train_care.REVIEW_CORPORA:
        write_corpus(corpora, name, [("neg", "the soup was lukewarm"), ("pos", "lovely soup")] * 20)
    for name in sentiment_train_care.TWEET_CORPORA:
        write_corpus(corpora, name, [("neu", "@museum the gallery opens at ten"), ("neg", "@museum cold cafe")] * 20)
    assert sentiment_train_care.main(["--corpora", str(corpora)]) == 0
    model = LinearModel.from_json(json.loads((tmp_path / "care_model_en.json").read_text(encoding="utf-8")))
    assert model.version == sentiment_train_care.MODEL_VERSION
    assert model.weights["lukewarm"] > 0 > model.weights["lovely"], "negative words push towards a complaint"
    assert model.weights["cafe"] > 0 > model.weights["gallery"], "the tweets are read too"
    assert not [name for name in model.weights if "_" in name.split(" ")], "an @handle's placeholder is no feature"


def test_training_without_its_corpora_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sentiment_train_care.main(["--corpora", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: no uci_yelp_en.tsv or uci_yelp_en/data.tsv in {tmp_path}\n"


def test_a_short_text_needs_a_surer_model() -> None:
    assert least_margin(["the", "food", "was", "cold"]) == SHORT_MIN_MARGIN > MIN_MARGIN
    assert least_margin(["_", "_", "my", "battery", "dies", "after", "an", "hour"]) == MIN_MARGIN
    assert with_care_model(0.0, (MIN_MARGIN + SHORT_MIN_MARGIN) / 2, SHORT_MIN_MARGIN) == 0.0
    assert with_care_model(0.0, (MIN_MARGIN + SHORT_MIN_MARGIN) / 2) < -0.05
    assert WITH_MODEL.score("the food was cold").compound <= -0.05, "a sure verdict still counts on a short text"
