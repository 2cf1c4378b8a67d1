"""The XED preparation step, on a small hand-written projections file in XED's layout (CRLF lines, stray lines)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.sentiment_corpora import load_labelled
from bench.sentiment_prepare_xed import LANGUAGES, main

PROJECTIONS = (
    "Wat een prachtige dag.\t5\r\n"  # 1 joy: pos
    "Ik vertrouw je.\t5, 8\r\n"  # 2 joy and trust: pos
    "Ga weg!\t1\r\n"  # 3 anger: neg
    "Ik ben bang en verdrietig.\t4,6\r\n"  # 4 fear and sadness: neg
    "Wat een verrassing.\t7\r\n"  # 5 surprise only: left out
    "Blij maar boos.\t1, 5\r\n"  # 6 both sides: left out
    "\"Een regel tussen aanhalingstekens.\r\n"  # 7 a quoting stray: no labels
    "en/1990/1.xml.gz\tnl/1990/2.xml.gz\t12\t13\tHello.\tHallo.\r\n"  # 8 an alignment stray
    " \t8\r\n"  # 9 no text
    "  Nou, dank je wel.  \t 8 \r\n"  # 10 trust, spaces around: pos
    "Negen is geen emotie.\t9\r\n"  # 11 no such emotion: left out
)


def write_projections(folder: Path, languages: tuple[str, ...] = LANGUAGES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for language in languages:
        (folder / f"{language}-projections.tsv").write_bytes(PROJECTIONS.encode("utf-8"))
    return folder


def test_only_lines_whose_emotions_all_lie_on_one_side_are_kept_under_their_line_number(tmp_path: Path) -> None:
    assert main(["--xed", str(write_projections(tmp_path / "xed")), "--out", str(tmp_path / "corpora")]) == 0
    kept = [(item.id, item.label, item.text) for item in load_labelled(tmp_path / "corpora" / "xed_nl.tsv")]
    assert kept == [("xed-nl1", "positive", "Wat een prachtige dag."), ("xed-nl2", "positive", "Ik vertrouw je."),
                    ("xed-nl3", "negative", "Ga weg!"), ("xed-nl4", "negative", "Ik ben bang en verdrietig."),
                    ("xed-nl10", "positive", "Nou, dank je wel.")]


def test_every_language_gets_its_corpus_and_a_second_run_writes_the_same_bytes(tmp_path: Path) -> None:
    xed, out = write_projections(tmp_path / "xed"), tmp_path / "corpora"
    assert main(["--xed", str(xed), "--out", str(out)]) == 0
    first = {path.name: path.read_bytes() for path in out.iterdir()}
    assert main(["--xed", str(xed), "--out", str(out)]) == 0
    assert sorted(first) == [f"xed_{language}.tsv" for language in sorted(LANGUAGES)]
    assert {path.name: path.read_bytes() for path in out.iterdir()} == first
    assert first["xed_de.tsv"].startswith(b"xed-de1\tpos\tWat een prachtige dag.\n")


def test_a_missing_projections_file_is_named_and_nothing_is_written(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    xed = write_projections(tmp_path / "xed", ("nl", "de"))
    assert main(["--xed", str(xed), "--out", str(tmp_path / "corpora")]) == 2
    assert "fr-projections.tsv, es-projections.tsv" in capsys.readouterr().err
    assert not (tmp_path / "corpora").exists()
