"""The shipped German model against the SB-10k tweets kept outside the repository (collected only when they are
there, see conftest.py): it beats the word list on their `test` part. (Re-training to compare bytes takes over a
minute under load, so `python -m bench.sentiment_train_tweets` is checked by hand; the script's determinism is
tested on a small corpus in test_sentiment_train_tweets.py.)"""

from __future__ import annotations

from bench.sentiment_corpora import external_dir, find_corpus
from bench.sentiment_labelled import run_labelled


def test_the_three_way_model_beats_the_word_list_on_the_test_tweets() -> None:
    path = find_corpus(external_dir(), "sb10k_de")
    assert path is not None
    by_backend = {q.backend: q for q in run_labelled({"sb10k_de": ("de", path)})}
    assert by_backend["lexicon-model"].n == by_backend["lexicon"].n == 870
    assert by_backend["lexicon-model"].f1 > by_backend["lexicon"].f1 + 0.1
