"""Labelled sentiment corpora (id, label, text) and the fixed train/held-out split the models are trained on."""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Label = Literal["positive", "neutral", "negative", "other"]  # "other": not negative (complaint corpora)
LABELS: dict[str, Label] = {"pos": "positive", "neu": "neutral", "neg": "negative", "other": "other",
                            "positive": "positive", "neutral": "neutral", "negative": "negative"}
HELD_OUT_EVERY = 5  # one text in five (by a hash of its id) is never trained on
PublishedSplit = Literal["train", "val", "test"]
PUBLISHED_SPLITS: tuple[PublishedSplit, ...] = ("train", "val", "test")  # ids `train-N`: the publisher's own split
CORPORA_ENV = "ROR_SENTIMENT_CORPORA"  # folder of the corpora the repository may not hold (licence or origin)
DEFAULT_EXTERNAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sentiment-corpora"


@dataclass(frozen=True)
class LabelledText:
    """One human-labelled text."""

    id: str
    label: Label
    text: str


def load_labelled(path: Path | str) -> list[LabelledText]:
    """Read `id<TAB>label<TAB>text` lines (label pos/neu/neg, positive/neutral/negative, or other = not negative)."""
    items: list[LabelledText] = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t", 2)
        if len(fields) != 3 or fields[1] not in LABELS:
            raise ValueError(f"{path}:{number}: expected id<TAB>pos|neu|neg|other<TAB>text, got {line[:60]!r}")
        items.append(LabelledText(fields[0], LABELS[fields[1]], fields[2]))
    return items


def split_of(item_id: str) -> Literal["train", "held_out"]:
    """Which part of the fixed split a text belongs to (stable across runs and machines)."""
    return "held_out" if zlib.crc32(item_id.encode()) % HELD_OUT_EVERY == 0 else "train"


def published_split(item_id: str) -> PublishedSplit | None:
    """The publisher's split a text belongs to when its id names one (`train-12`, `val-3`, `test-7`), else None."""
    prefix = item_id.split("-", 1)[0]
    return next((split for split in PUBLISHED_SPLITS if split == prefix and "-" in item_id), None)


def external_dir() -> Path:
    """The folder of corpora kept outside the repository: $ROR_SENTIMENT_CORPORA or the shared default."""
    configured = os.environ.get(CORPORA_ENV, "").strip()
    return Path(configured) if configured else DEFAULT_EXTERNAL


def find_corpus(folder: Path, name: str) -> Path | None:
    """`<name>.tsv` or `<name>/data.tsv` in folder, whichever exists first; None when neither does."""
    for path in (folder / f"{name}.tsv", folder / name / "data.tsv"):
        if path.is_file():
            return path
    return None
