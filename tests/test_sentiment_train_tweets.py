"""The German three-way model: how it turns a text into a compound, its file, and the script that trains it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench import sentiment_train_tweets
from scoring.backends.lexicon import LexiconBackend, linear_model, rule_lexicon
from scoring.backends.linear import (
    NEUTRAL_BAND,
    UNSURE_NEUTRAL,
    LinearModel,
    ThreeWayModel,
    load_model,
    marked_features,
    text_marks,
)

GERMAN = rule_lexicon("de")
MODEL = ThreeWayModel("de", "t", negative={"kaputt": 3.0, "wieder kaputt": 1.0}, positive={"danke": 3.0},
                      intercepts=(0.5, 0.5))


def test_probabilities_are_a_softmax_with_neutral_as_the_reference_class() -> None:
    negative, neutral, positive = MODEL.probabilities(GERMAN.score("schon wieder kaputt"))
    top = math.exp(4.5)  # kaputt + "wieder kaputt" + intercept; neutral's logit is 0
    assert negative == pytest.approx(top / (top + 1 + math.exp(0.5)))
    assert negative + neutral + positive == pytest.approx(1.0)


def test_a_polar_verdict_is_p_positive_minus_p_negative_and_a_neutral_one_stays_in_the_band() -> None:
    negative, _, positive = MODEL.probabilities(GERMAN.score("danke"))
    assert MODEL.compound_of_hits(GERMAN.score("danke")) == pytest.approx(positive - negative)
    weak = ThreeWayModel("de", "t", {"montag": -1.0}, {"montag": -0.5}, (0.0, 0.0))  # neutral likeliest
    negative, neutral, positive = weak.probabilities(GERMAN.score("montag"))
    assert neutral > max(negative, positive)
    compound = weak.compound_of_hits(GERMAN.score("montag"))
    assert compound == pytest.approx((positive - negative) * NEUTRAL_BAND) and 0 < compound < 0.05


def test_a_text_the_model_knows_nothing_of_is_neutral_whatever_the_intercepts() -> None:
    assert MODEL.compound_of_hits(GERMAN.score("xyzzy foo")) == 0.0
    assert MODEL.compound_of_hits(GERMAN.score("")) == 0.0


def test_the_file_round_trips_and_names_its_classes() -> None:
    data = json.loads(json.dumps(MODEL.to_json()))
    assert data["classes"] == ["negative", "neutral", "positive"]
    assert load_model(data) == MODEL
    assert isinstance(load_model({"language": "nl", "version": "v", "weights": {"goed": 1.0}}), LinearModel)
    with pytest.raises(ValueError, match="'negative' and 'positive'"):
        load_model({**data, "weights": {"negative": {}}})


@pytest.mark.parametrize(("text", "marks"), [
    ("Lieferung da :-) danke", ["emo::)", "emo:happy"]),
    ("schon wieder :( und :/ =D <3 ^^ (:", ["emo::(", "emo:sad", "emo::/", "emo:sad", "emo:=d", "emo:happy",
                                         "emo:<3", "emo:happy", "emo:^^", "emo:happy", "emo:(:", "emo:happy"]),
    ("@_ das ist nicht wirklich gut, aber ok", ["user:", "not_wirklich", "not_gut"]),
    ("keine Antwort! Schade", ["not_antwort"]),
    ("Box) um 12:30, Text( und 8) Stück xD", []),
])
def test_text_marks_are_emoticons_an_addressee_and_the_words_a_negation_reaches(text: str, marks: list[str]) -> None:
    assert sorted(text_marks(text, GERMAN.score(text), "de")) == sorted(marks)


def test_marked_features_add_the_marks_to_the_word_features() -> None:
    text = "nicht gut :("
    features = marked_features(text, GERMAN.score(text), "de")
    assert {"nicht", "gut", "nicht gut", "not_gut", "emo::(", "emo:sad"} <= features.keys()
    assert "not_gut" not in marked_features("gut", GERMAN.score("gut"), "de")


def test_a_model_that_reads_marks_is_moved_by_an_emoticon_and_one_that_does_not_is_not() -> None:
    marked = ThreeWayModel("de", "t", {"emo:sad": 3.0}, {"emo:happy": 3.0}, (0.0, 0.0), reads_marks=True)
    plain = ThreeWayModel("de", "t", {"emo:sad": 3.0}, {"emo:happy": 3.0}, (0.0, 0.0))
    hits = GERMAN.score("Paket kam heute :(")
    assert marked.compound_of_hits(hits, "Paket kam heute :(") < -0.5
    assert plain.compound_of_hits(hits, "Paket kam heute :(") == 0.0, "knows none of the words, reads no marks"
    assert marked.compound_of_hits(hits, "Paket kam heute") == 0.0


def test_an_unsure_neutral_verdict_yields_to_a_clear_word_list_and_a_sure_one_does_not() -> None:
    hits = GERMAN.score("furchtbar")
    assert hits.total <= -0.3
    unsure = ThreeWayModel("de", "t", {"furchtbar": 0.0}, {"furchtbar": -0.5}, (-0.1, -0.1))
    sure = ThreeWayModel("de", "t", {"furchtbar": -2.0}, {"furchtbar": -2.0}, (0.0, 0.0))
    assert max(unsure.probabilities(hits)) == unsure.probabilities(hits)[1] < UNSURE_NEUTRAL
    assert unsure.compound_of_hits(hits, "furchtbar", -0.8) == -0.8
    assert abs(unsure.compound_of_hits(hits, "furchtbar")) < 0.05, "without the word list's compound"
    assert sure.probabilities(hits)[1] > UNSURE_NEUTRAL and abs(sure.compound_of_hits(hits, "furchtbar", -0.8)) < 0.05


def test_a_marked_model_file_says_so_and_an_unknown_input_kind_is_refused() -> None:
    marked = ThreeWayModel("de", "t", {"emo:sad": 1.0}, {}, (0.0, 0.0), reads_marks=True)
    data = json.loads(json.dumps(marked.to_json()))
    assert data["inputs"] == "words+marks" and load_model(data) == marked
    assert "inputs" not in MODEL.to_json()
    with pytest.raises(ValueError, match="'inputs' must be"):
        load_model({**data, "inputs": "chars"})


def test_the_shipped_german_model_is_three_way_and_neutral_on_words_it_never_saw() -> None:
    model = linear_model("de")
    assert isinstance(model, ThreeWayModel) and model.version == sentiment_train_tweets.MODEL_VERSION
    backend = LexiconBackend("de")
    assert sentiment_train_tweets.MODEL_VERSION in backend.version.split("+")
    assert backend.score("Danke, super Service!").compound > 0.5
    assert backend.score("Seit zwei Wochen warte ich auf meine Erstattung.").compound < -0.3
    assert backend.score("Ich bin begeistert 😍").compound > 0.5
    assert abs(backend.score("xyzzy").compound) < 0.05
    assert model.reads_marks
    assert backend.score("Paket ist heute gekommen :)").compound > backend.score("Paket ist heute gekommen").compound


def write_corpus(folder: Path, name: str, lines: list[str]) -> None:
    (folder / name).mkdir(parents=True)
    (folder / name / "data.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


HELD_BACK_TWEET = "Montag ist Bahnstreik, na toll @DB_Bahn"  # in sb10k_de's test part: never trained on
VAL_TWEET = "Schon wieder Stau auf der A3"  # in both val parts: trained on, except when choosing settings on val


def write_corpora(folder: Path) -> Path:
    tweets = [("neg", "wieder kaputt, echt schlecht"), ("neu", "Termin am Montag in Berlin"),
              ("pos", "danke, super Service")] * 10
    write_corpus(folder, "sb10kfull_de", [f"{split}-{i}\t{label}\t{text}" for split in ("train", "test")
                                          for i, (label, text) in enumerate(tweets)] + [
        f"train-99\tpos\t{HELD_BACK_TWEET.upper()}", f"val-1\tneg\t{VAL_TWEET}"])
    write_corpus(folder, "potts_de", [f"train-{i}\t{label}\t{text}" for i, (label, text) in enumerate(tweets)])
    write_corpus(folder, "sb10k_de", [f"val-1\tneg\t{VAL_TWEET}", f"test-1\tneg\t{HELD_BACK_TWEET}"])
    subtitles = [f"de{i}\t{'pos' if i % 4 == 0 else 'neg'}\t{'wunderbar' if i % 4 == 0 else 'furchtbar'}"
                 for i in range(40)]
    (folder / "xed_de.tsv").write_text("\n".join(subtitles) + "\n", encoding="utf-8")
    return folder


def test_training_reads_the_train_parts_and_leaves_out_the_held_back_tweets(tmp_path: Path) -> None:
    corpora = write_corpora(tmp_path / "corpora")
    names = ("sb10kfull_de", "potts_de")
    texts, extra = sentiment_train_tweets.training_texts(corpora, names, "sb10k_de", "xed_de")
    assert len(texts) == 61, "both corpora's train and val parts; the test part and the held-back tweet left out"
    assert all("bahnstreik" not in item.text.lower() for item in texts)
    assert VAL_TWEET in {item.text for item in texts}
    assert 0 < len(extra) < 40, "the training part of the subtitles only"
    tuning, _ = sentiment_train_tweets.training_texts(corpora, names, "sb10k_de", "xed_de",
                                                      sentiment_train_tweets.TUNING_PARTS)
    assert len(tuning) == 60 and VAL_TWEET not in {item.text for item in tuning}, "choosing settings on val"


def test_tweet_key_ignores_case_user_names_links_and_spacing() -> None:
    key = sentiment_train_tweets.tweet_key
    assert key("@DB_Bahn Zug fällt aus ! https://t.co/x") == key("@user zug fällt aus!") == "userzugfälltaus"
    assert key("Zug fällt aus") != key("Zug fällt nicht aus")


def test_training_learns_each_class_from_the_train_part_and_writes_the_same_bytes_twice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sentiment_train_tweets, "DATA_OUT", tmp_path)
    corpora = write_corpora(tmp_path / "corpora")
    assert sentiment_train_tweets.main(["--corpora", str(corpora)]) == 0
    first = (tmp_path / "model_de.json").read_bytes()
    assert sentiment_train_tweets.main(["--corpora", str(corpora)]) == 0
    assert (tmp_path / "model_de.json").read_bytes() == first, "deterministic"
    model = load_model(json.loads(first))
    assert isinstance(model, ThreeWayModel)
    for text, winner in (("wieder kaputt", 0), ("Termin am Montag", 1), ("danke", 2)):
        probabilities = model.probabilities(GERMAN.score(text))
        assert max(range(3), key=probabilities.__getitem__) == winner, text
    assert model.negative["furchtbar"] > 0 > model.positive["furchtbar"], "the subtitles count too"
    assert sentiment_train_tweets.main(["--corpora", str(corpora), "--without-val"]) == 0
    assert (tmp_path / "model_de.json").read_bytes() != first, "the val tweet is left out"


def test_balanced_weights_give_each_label_the_same_total() -> None:
    from bench.sentiment_corpora import LabelledText

    texts = [LabelledText("a", "negative", "x")] * 3 + [LabelledText("b", "positive", "y")]
    weights = sentiment_train_tweets.balanced(texts, 1.0)
    assert sum(weights[:3]) == pytest.approx(weights[3]) == pytest.approx(2.0)


@pytest.mark.parametrize("absent", ["sb10kfull_de", "potts_de", "sb10k_de", "xed_de.tsv"])
def test_training_without_a_corpus_is_a_one_line_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], absent: str) -> None:
    import shutil

    corpora = write_corpora(tmp_path / "corpora")
    target = corpora / absent
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    assert sentiment_train_tweets.main(["--corpora", str(corpora)]) == 2
    name = absent.removesuffix(".tsv")
    assert capsys.readouterr().err == f"error: no {name}.tsv or {name}/data.tsv in {corpora}\n"
