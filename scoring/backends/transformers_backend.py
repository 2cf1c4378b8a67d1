"""An optional backend: a sentiment model from a folder on this machine, through Hugging Face transformers.

Install with the `transformers` extra. The model is loaded from `model_path` only (never downloaded),
texts are scored in batches, on a GPU when torch sees one. The compound is P(positive) - P(negative),
reading the model's label names (anything containing 'pos' / 'neg'; a two-label model without names
is read as [negative, positive]).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scoring.backends.base import BackendScore

DEFAULT_BATCH = 32
MAX_TOKENS = 256
_SHARED: dict[tuple[str, str], TransformersBackend] = {}


class TransformersMissingError(ValueError):
    """torch or transformers is not installed."""


class TransformersBackend:
    """A local sequence-classification model as a sentiment backend."""

    name = "transformers"

    def __init__(self, model_path: str, language: str = "en", batch: int = DEFAULT_BATCH) -> None:
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as error:
            raise TransformersMissingError(
                "backend 'transformers' needs the extra: pip install 'ror-listener[transformers]'") from error

        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
        self.model = AutoModelForSequenceClassification.from_pretrained(model_path, local_files_only=True)
        self.model.to(self.device).eval()
        self.batch, self.languages = batch, frozenset({language})
        self.version = str(getattr(self.model.config, "_name_or_path", model_path)).rstrip("/").split("/")[-1]
        self.positive, self.negative = polar_label_indexes(self.model.config.id2label)

    @classmethod
    def shared(cls, model_path: str, language: str) -> TransformersBackend:
        """One loaded model per (folder, language) per process."""
        key = (model_path, language)
        if key not in _SHARED:
            _SHARED[key] = cls(model_path, language)
        return _SHARED[key]

    def score(self, text: str) -> BackendScore:
        """Score one text."""
        return self.score_many([text])[0]

    def score_many(self, texts: Sequence[str]) -> list[BackendScore]:
        """Score texts in batches."""
        import torch

        out: list[BackendScore] = []
        for start in range(0, len(texts), self.batch):
            chunk = list(texts[start:start + self.batch])
            encoded = self.tokenizer(chunk, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
            with torch.no_grad():
                probabilities = self.model(**encoded.to(self.device)).logits.softmax(dim=-1).cpu().tolist()
            out.extend(BackendScore(round(p[self.positive] - p[self.negative], 4)) for p in probabilities)
        return out


def polar_label_indexes(id2label: dict[Any, str]) -> tuple[int, int]:
    """(positive, negative) label indexes from the model's label names."""
    names = {int(i): str(name).lower() for i, name in id2label.items()}
    positive = [i for i, n in names.items() if "pos" in n]
    negative = [i for i, n in names.items() if "neg" in n]
    if positive and negative:
        return positive[0], negative[0]
    if len(names) == 2:
        return 1, 0
    raise ValueError(f"cannot tell positive from negative in the model's labels {sorted(names.values())}")
