"""The shipped German model against the SB-10k tweets kept outside the repository (collected only when they are
there, see conftest.py): the training script reproduces it byte for byte, and it beats the word list on `test`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import sentiment_train_tweets
from bench.sentiment_corpora import external_dir, find_corpus
from bench.sentiment_labelled import run_labelled

SHIPPED = Path(__file__).resolve().parents[1] / "scoring" / "backends" / "data" / "model_de.json"


def test_the_training_script_reproduces_the_shipped_german_model(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sentiment_train_tweets, "DATA_OUT", tmp_path)
    assert sentiment_train_tweets.main(["--corpora", str(external_dir())]) == 0
    assert (tmp_path / "model_de.json").read_bytes() == SHIPPED.read_bytes()


def test_the_three_way_model_beats_the_word_list_on_the_test_tweets() -> None:
    path = find_corpus(external_dir(), "sb10k_de")
    assert path is not None
    by_backend = {q.backend: q for q in run_labelled({"sb10k_de": ("de", path)})}
    assert by_backend["lexicon-model"].n == by_backend["lexicon"].n == 870
    assert by_backend["lexicon-model"].f1 > by_backend["lexicon"].f1 + 0.1
