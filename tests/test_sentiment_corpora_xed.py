"""The shipped FR/ES models against XED's subtitles kept outside the repository (collected only when they are
there, see conftest.py): training on the corpora bench/sentiment_prepare_xed.py writes gives the shipped files byte
for byte."""

from __future__ import annotations

import json

import pytest

from bench.sentiment_corpora import external_dir, find_corpus
from bench.sentiment_train import DATA_OUT, model_file_text, train_language


@pytest.mark.parametrize("language", ["fr", "es"])
def test_training_on_xed_gives_the_shipped_file(language: str) -> None:
    corpus = find_corpus(external_dir(), f"xed_{language}")
    assert corpus is not None
    lexicon = json.loads((DATA_OUT / f"lexicon_{language}.json").read_text(encoding="utf-8"))
    shipped = (DATA_OUT / f"model_{language}.json").read_text(encoding="utf-8")
    assert model_file_text(train_language(language, lexicon, corpus)) == shipped
