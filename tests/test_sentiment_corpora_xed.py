"""The shipped French model against XED's subtitles kept outside the repository (collected only when they are
there, see conftest.py): training on the corpora bench/sentiment_prepare_xed.py writes gives the shipped file byte
for byte."""

from __future__ import annotations

import json

from bench.sentiment_corpora import external_dir, find_corpus
from bench.sentiment_train import DATA_OUT, model_file_text, train_language


def test_training_on_xed_gives_the_shipped_french_model() -> None:
    corpus = find_corpus(external_dir(), "xed_fr")
    assert corpus is not None
    lexicon = json.loads((DATA_OUT / "lexicon_fr.json").read_text(encoding="utf-8"))
    shipped = (DATA_OUT / "model_fr.json").read_text(encoding="utf-8")
    assert model_file_text(train_language("fr", lexicon, corpus)) == shipped
