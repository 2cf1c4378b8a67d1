"""What every sentiment backend offers: a name, a version and a compound score per text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol


class BackendScore(NamedTuple):
    """A compound in [-1, 1]; pos/neu/neg only where the backend has them (VADER); a named tuple, quick to make."""

    compound: float
    pos: float | None = None
    neu: float | None = None
    neg: float | None = None


class Backend(Protocol):
    """A sentiment scorer for cleaned text in one or more languages."""

    name: str
    version: str
    languages: frozenset[str]

    def score(self, text: str) -> BackendScore:
        """Score one cleaned text."""
        ...

    def score_many(self, texts: Sequence[str]) -> list[BackendScore]:
        """Score cleaned texts in one go (batching backends override this)."""
        ...


def label(backend: Backend) -> str:
    """What is recorded on each score: 'name-version'."""
    return f"{backend.name}-{backend.version}"
