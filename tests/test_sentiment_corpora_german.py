"""The shipped German model against the German tweets kept outside the repository (collected only when they are
there, see conftest.py): training on them gives the shipped file byte for byte, and the model beats the word list
on the test parts it never saw."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import sentiment_train_tweets
from bench.sentiment_corpora import external_dir, find_corpus
from bench.sentiment_labelled import run_labelled
from bench.sentiment_train import DATA_OUT


@pytest.mark.parametrize(("corpus", "n", "at_least"), [("sb10k_de", 870, 0.67), ("sb10kfull_de", 1496, 0.65),
                                                       ("potts_de", 1529, 0.68)])
def test_the_three_way_model_beats_the_word_list_on_the_test_tweets(corpus: str, n: int, at_least: float) -> None:
    path = find_corpus(external_dir(), corpus)
    assert path is not None
    by_backend = {q.backend: q for q in run_labelled({corpus: ("de", path)})}
    assert by_backend["lexicon-model"].n == by_backend["lexicon"].n == n
    assert by_backend["lexicon-model"].f1 > by_backend["lexicon"].f1 + 0.14
    assert by_backend["lexicon-model"].f1 >= at_least, "the figure docs/sentiment.md reports, rounded down"


def test_training_on_the_tweets_gives_the_shipped_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sentiment_train_tweets, "DATA_OUT", tmp_path)
    assert sentiment_train_tweets.main(["--corpora", str(external_dir())]) == 0
    assert (tmp_path / "model_de.json").read_bytes() == (DATA_OUT / "model_de.json").read_bytes()
