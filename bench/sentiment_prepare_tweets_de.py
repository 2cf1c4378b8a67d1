"""The German tweet corpora `potts_de`, `sb10kfull_de` and `sb10k_de` from their publishers' files.

Read by bench/sentiment_prepare_corpora.py. Built this way, bench.sentiment_train_tweets reads the same tweets as
the shipped German model, and the bench gives the figures docs/sentiment.md reports.
"""

from __future__ import annotations

from bench.git_snapshots import Snapshot

Row = tuple[str, str, str]

CGSA = ("WladimirSidorenko/CGSA", "386d02cb6e62d7fddf949a9acfea2e6c51d18943")  # Sidarenka's experiments, MIT
POTTS_FOLDER = "data/PotTS/not-preprocessed"
SB10K_FOLDER = "data/SB10k/not-preprocessed"
CGSA_PARTS = {"train": "train", "dev": "val", "test": "test"}  # his folder -> our id prefix
CGSA_LABELS = {"positive": "pos", "neutral": "neu", "negative": "neg"}  # PotTS's `mixed` is left out

UMSAB = ("cardiffnlp/xlm-t", "874214d64d96599eb869a033c22ec2cc57d19256")  # XLM-T's UMSAB, Apache-2.0
UMSAB_FOLDER = "data/sentiment/german"
UMSAB_LABELS = ("neg", "neu", "pos")  # the label files' 0, 1, 2


def tweet_text(text: str) -> str:
    """The tweet on one line, stripped; HTML entities such as `&gt;` are kept as published (the shipped model
    learned from them so)."""
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ").strip()


def cgsa_rows(snapshot: Snapshot, folder: str) -> list[Row]:
    """Every labelled tweet of the `train`, `dev` and `test` files under `folder` (files in name order), second
    column the label, third the text; ids `<part>-N` numbered from 0 in file order within each part."""
    rows: list[Row] = []
    for part, prefix in CGSA_PARTS.items():
        number = 0
        for path in snapshot.list(f"{folder}/{part}"):
            for line in snapshot.read(path).decode("utf-8").splitlines():
                fields = line.split("\t")
                if len(fields) < 3 or fields[1] not in CGSA_LABELS:
                    continue  # `mixed` and empty lines
                rows.append((f"{prefix}-{number}", CGSA_LABELS[fields[1]], tweet_text(fields[2])))
                number += 1
    return rows


def umsab_rows(snapshot: Snapshot) -> list[Row]:
    """UMSAB's German `<part>_text.txt` with `<part>_labels.txt`, line N becoming `<part>-N` from 0 (a text file's
    trailing empty line has no label and is dropped)."""
    rows: list[Row] = []
    for part in ("train", "val", "test"):
        texts = snapshot.read(f"{UMSAB_FOLDER}/{part}_text.txt").decode("utf-8").split("\n")
        labels = snapshot.read(f"{UMSAB_FOLDER}/{part}_labels.txt").decode("utf-8").split()
        rows += [(f"{part}-{n}", UMSAB_LABELS[int(label)], tweet_text(text))
                 for n, (text, label) in enumerate(zip(texts[:len(labels)], labels, strict=True))]
    return rows
