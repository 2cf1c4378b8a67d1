"""The optional transformers backend: label reading, the missing-extra error, and a tiny model built on the spot.

The tiny-model test needs the `transformers` extra (torch + transformers, several GB with torch's CUDA
wheels). Which of the two backend tests exists depends on whether the extra is installed: CI does not
install it, so there the missing-extra error is tested and the tiny model is not (nothing is skipped).
"""

from __future__ import annotations

import json
from importlib.util import find_spec
from pathlib import Path

import pytest

from scoring.backends.transformers_backend import TransformersBackend, TransformersMissingError, polar_label_indexes
from scoring.sentiment import Scorer, ScorerSettings

HAS_EXTRA = find_spec("torch") is not None and find_spec("transformers") is not None


def test_positive_and_negative_labels_are_read_from_the_model_config() -> None:
    assert polar_label_indexes({0: "NEGATIVE", 1: "neutral", 2: "Positive"}) == (2, 0)
    assert polar_label_indexes({"0": "LABEL_0", "1": "LABEL_1"}) == (1, 0)
    with pytest.raises(ValueError, match="cannot tell positive from negative"):
        polar_label_indexes({0: "a", 1: "b", 2: "c"})


def _test_without_the_extra_the_backend_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(TransformersMissingError, match=r"ror-listener\[transformers\]"):
        TransformersBackend(str(tmp_path))


def build_tiny_model(folder: Path) -> None:
    """A 2-layer BERT with random weights and a 20-word vocabulary, saved like a downloaded model."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "refund", "late", "great", "the",
             "order", "is", "my", "where", "love", "it", "not", "service", "thanks"]
    (folder / "vocab.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(folder)
    config = BertConfig(vocab_size=len(words), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64, num_labels=3,
                        id2label={0: "negative", 1: "neutral", 2: "positive"},
                        label2id={"negative": 0, "neutral": 1, "positive": 2})
    BertForSequenceClassification(config).save_pretrained(folder)


def _test_a_local_model_scores_in_batches_as_a_profile_backend(tmp_path: Path) -> None:
    build_tiny_model(tmp_path)
    assert len(json.loads((tmp_path / "config.json").read_text())["id2label"]) == 3
    backend = TransformersBackend(str(tmp_path), "en", batch=2)
    texts = ["where is my refund", "love it thanks", "the order is late", "great service", "bad"]
    one_by_one = [backend.score(t).compound for t in texts]
    batched = [s.compound for s in backend.score_many(texts)]
    assert batched == pytest.approx(one_by_one, abs=1e-3)
    assert all(-1.0 <= c <= 1.0 for c in batched) and backend.device in ("cpu", "cuda")
    scorer = Scorer(ScorerSettings({"en": "transformers"}, model_path=str(tmp_path)))
    score = scorer.score("where is my refund", "en")
    assert score.status == "scored" and score.backend is not None and score.backend.startswith("transformers-")


if HAS_EXTRA:
    test_a_local_model_scores_in_batches = _test_a_local_model_scores_in_batches_as_a_profile_backend
else:
    test_without_the_extra_the_backend_says_how_to_install = _test_without_the_extra_the_backend_says_how_to_install_it
