"""Tests for the sentiment quality benchmark and the guard it keeps on the scorer."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench import sentiment_quality
from bench.sentiment_quality import (
    CORPORA,
    Quality,
    find_regressions,
    load_corpus,
    main,
    pearson_r,
    polarity_class,
    weighted_f1,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^(raw|scorer) (\w+) n=\d+ r=-?\d\.\d{3} f1=\d\.\d{3}( lang_misses=\d+)?$")
TINY_CORPUS = (
    "1\t2.5\tI love it, great work!\n2\t-3.0\tThis is awful and sad.\n3\t0.0\tIt is a box.\n"
)


def write_tiny_corpora(folder: Path) -> Path:
    """The same three-line corpus under every expected file name."""
    for file_name in CORPORA.values():
        (folder / file_name).write_text(TINY_CORPUS, encoding="utf-8")
    return folder


def test_pearson_r_matches_hand_computed_value() -> None:
    # xs = 1 2 3 4, ys = 2 1 4 3, both means 2.5
    # dx = -1.5 -0.5 0.5 1.5, dy = -0.5 -1.5 1.5 0.5
    # sum dx*dy = 0.75 + 0.75 + 0.75 + 0.75 = 3; sum dx^2 = sum dy^2 = 5
    # r = 3 / sqrt(5 * 5) = 0.6
    assert pearson_r([1, 2, 3, 4], [2, 1, 4, 3]) == pytest.approx(0.6)


def test_pearson_r_is_plus_or_minus_one_on_straight_lines() -> None:
    assert pearson_r([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson_r([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


@pytest.mark.parametrize(("xs", "ys"), [([1, 1, 1], [1, 2, 3]), ([1, 2], [1, 2, 3]), ([1], [1])])
def test_pearson_r_refuses_undefined_input(xs: Sequence[float], ys: Sequence[float]) -> None:
    with pytest.raises(ValueError):
        pearson_r(xs, ys)


def test_weighted_f1_matches_hand_computed_value() -> None:
    # pos: support 4, predicted 3, hit 3 -> P 1,   R 3/4 -> F1 6/7
    # neg: support 2, predicted 3, hit 2 -> P 2/3, R 1   -> F1 4/5
    # neu: support 2, predicted 2, hit 2 -> F1 1
    # weighted = (4 * 6/7 + 2 * 4/5 + 2 * 1) / 8 = 123/140
    truth = ["pos"] * 4 + ["neg"] * 2 + ["neu"] * 2
    predicted = ["pos"] * 3 + ["neg"] * 3 + ["neu"] * 2
    assert weighted_f1(truth, predicted) == pytest.approx(123 / 140)


def test_weighted_f1_gives_no_weight_to_classes_absent_from_truth() -> None:
    # pos: support 2, predicted 1, hit 1 -> P 1, R 1/2 -> F1 2/3; neu has no support
    assert weighted_f1(["pos", "pos"], ["pos", "neu"]) == pytest.approx(2 / 3)


def test_weighted_f1_counts_a_never_hit_class_as_zero() -> None:
    # pos: F1 0; neg: predicted 2, hit 1 -> P 1/2, R 1 -> F1 2/3; weighted = (0 + 2/3) / 2
    assert weighted_f1(["pos", "neg"], ["neg", "neg"]) == pytest.approx(1 / 3)


def test_polarity_class_thresholds_are_inclusive() -> None:
    assert polarity_class(0.05) == "positive"
    assert polarity_class(-0.05) == "negative"
    assert polarity_class(0.0499) == "neutral"
    assert polarity_class(-0.0499) == "neutral"
    assert polarity_class(0.3, threshold=0.5) == "neutral"


def test_load_corpus_parses_ratings_and_keeps_tabs_inside_text(tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    path.write_bytes(b"1_1\t-0.9\tno picture\tat all.\r\n2\t3.53333333333\tgreat\r\n\r\n")
    items = load_corpus(path)
    assert [(i.id, i.rating, i.text) for i in items] == [
        ("1_1", -0.9, "no picture\tat all."),
        ("2", 3.53333333333, "great"),
    ]


def test_load_corpus_names_file_and_line_of_a_bad_rating(tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    path.write_text("1\t0.5\tfine\n2\tgood\ttext\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"corpus\.txt:2: rating 'good'"):
        load_corpus(path)


def test_find_regressions_flags_only_drops_beyond_tolerance() -> None:
    results = [
        Quality("raw", "movie_reviews", 10, r=0.5000, f1=0.6000),
        Quality("scorer", "movie_reviews", 10, r=0.4996, f1=0.5990),
    ]
    problems = find_regressions(results, tolerance=0.0005)
    assert len(problems) == 1
    assert problems[0].startswith("movie_reviews: scorer f1=0.5990 is below raw f1=0.6000")


def test_check_exits_nonzero_when_scorer_lowers_a_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def inverted(texts: Sequence[str]) -> list[float]:
        return [-c for c in sentiment_quality.score_raw(texts)]

    monkeypatch.setattr(sentiment_quality, "score_pipeline", inverted)
    data_dir = write_tiny_corpora(tmp_path)
    assert main(["--check", "--skip-lang-misses", "--rated-only", "--data-dir", str(data_dir)]) == 1
    assert "check failed: product_reviews: scorer r=" in capsys.readouterr().err


def test_missing_data_dir_is_reported_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path / "absent")]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_runs_as_a_script_from_the_project_root(tmp_path: Path) -> None:
    data_dir = write_tiny_corpora(tmp_path)
    args = ["bench/sentiment_quality.py", "--data-dir", str(data_dir), "--skip-lang-misses", "--rated-only"]
    done = subprocess.run(
        [sys.executable, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2 * len(CORPORA)


def test_scorer_does_not_lower_any_raw_figure_on_bundled_corpora(
    capsys: pytest.CaptureFixture[str],
) -> None:
    exit_code = main(["--check", "--skip-lang-misses", "--rated-only"])
    out, err = capsys.readouterr()
    assert exit_code == 0, err
    lines = out.splitlines()
    assert all(LINE.match(line) for line in lines), out
    assert sorted(line.split()[1] for line in lines) == sorted(list(CORPORA) * 2)
    raw_r = {line.split()[1]: line.split()[3] for line in lines if line.startswith("raw ")}
    # the team's baseline for vaderSentiment 3.3.2: proves the corpora load as published
    assert raw_r == {"product_reviews": "r=0.590", "movie_reviews": "r=0.427",
                     "editorial_snippets": "r=0.503"}


NL_CORPUS = "".join(f"nl{i}\t{'pos' if i % 2 else 'neg'}\t{'Geweldig, top!' if i % 2 else 'Slecht, waardeloos.'}\n"
                    for i in range(20))


def tiny_labelled(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Replace the in-repository labelled corpora by one hand-written Dutch set."""
    from bench import sentiment_labelled

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "care_nl.tsv").write_text(NL_CORPUS, encoding="utf-8")
    monkeypatch.setattr(sentiment_labelled, "CORPORA", {"care_nl": ("nl", folder / "care_nl.tsv")})


def test_extra_corpora_are_files_or_folders_named_by_language(tmp_path: Path) -> None:
    from bench.sentiment_labelled import extra_corpora

    (tmp_path / "xed_nl.tsv").write_text(NL_CORPUS, encoding="utf-8")
    (tmp_path / "xed_de").mkdir()
    (tmp_path / "xed_de" / "data.tsv").write_text(NL_CORPUS, encoding="utf-8")
    (tmp_path / "notes_xx.tsv").write_text(NL_CORPUS, encoding="utf-8")  # no backend for 'xx'
    (tmp_path / "smile_en").mkdir()  # a folder without data.tsv is not a corpus
    assert extra_corpora(tmp_path) == {"xed_nl": ("nl", tmp_path / "xed_nl.tsv"),
                                       "xed_de": ("de", tmp_path / "xed_de" / "data.tsv")}


def test_outside_corpora_are_scored_and_the_missing_ones_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.sentiment_corpora import split_of

    tiny_labelled(monkeypatch, tmp_path / "repo")
    outside = tmp_path / "outside"
    (outside / "xed_nl").mkdir(parents=True)
    (outside / "xed_nl" / "data.tsv").write_text(NL_CORPUS, encoding="utf-8")
    sentiment_quality._print_labelled(outside)
    lines = capsys.readouterr().out.splitlines()
    held_out = sum(split_of(f"nl{i}") == "held_out" for i in range(20))
    assert "lexicon care_nl n=20 f1=1.000 neg_recall=1.000" in lines
    assert f"lexicon xed_nl n={held_out} f1=1.000 neg_recall=1.000" in lines, "XED: only the held-out part"
    missing = [line.split()[1] for line in lines if line.startswith("missing ")]
    assert missing == ["xed_de:", "xed_fr:", "xed_es:", "mozetic_de:", "mozetic_es:", "smile_en:",
                       "complaints_en:", "uci_yelp_en:", "uci_imdb_en:", "sb10k_de:", "mptweets_nl:", "sb10kfull_de:",
                       "potts_de:", "germeval17_de:", "amazonbooks_de:", "bolcom_nl:", "semeval16rev_nl:",
                       "semeval16sent_nl:"]
    assert f"missing smile_en: no smile_en.tsv or smile_en/data.tsv in {outside.resolve()}" in lines


def test_outside_folder_comes_from_the_environment_when_not_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny_labelled(monkeypatch, tmp_path / "repo")
    (tmp_path / "env" / "mozetic_de.tsv").parent.mkdir()
    (tmp_path / "env" / "mozetic_de.tsv").write_text(NL_CORPUS, encoding="utf-8")
    monkeypatch.setenv("ROR_SENTIMENT_CORPORA", str(tmp_path / "env"))
    sentiment_quality._print_labelled(None)
    out = capsys.readouterr().out
    assert "lexicon mozetic_de n=20 " in out and "missing mozetic_de" not in out and "missing xed_nl" in out


def test_outside_folder_defaults_to_the_shared_folder_beside_the_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.sentiment_corpora import external_dir

    monkeypatch.delenv("ROR_SENTIMENT_CORPORA", raising=False)
    assert external_dir() == PROJECT_ROOT.parent / "shared" / "data" / "sentiment-corpora"


def test_a_complaint_corpus_is_scored_as_negative_or_not() -> None:
    from bench.sentiment_corpora import LabelledText
    from bench.sentiment_labelled import measure

    items = [LabelledText("1", "negative", "a"), LabelledText("2", "other", "b"), LabelledText("3", "other", "c")]
    quality = measure("complaints_en", "x", items, [-0.5, 0.6, 0.0])  # positive and neutral both count as "other"
    assert (quality.f1, quality.negative_recall) == (1.0, 1.0)
    missed = measure("complaints_en", "x", items, [0.0, -0.5, 0.0])
    assert missed.negative_recall == 0.0 and missed.f1 < 0.5


SPLIT_CORPUS = "".join(f"{split}-{i}\t{label}\t{text}\n" for split, labels in
                       (("train", "nnnn"), ("val", "pnp"), ("test", "pp")) for i, label in enumerate(labels, start=1)
                       for text in ["Geweldig, top!" if label == "p" else "Slecht, waardeloos."])


def test_a_corpus_with_the_publishers_split_is_scored_on_test_or_on_val_never_on_train(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.sentiment_corpora import published_split

    assert [published_split(i) for i in ("train-3", "val-1", "test-12", "test", "nl7", "validation-2")] == [
        "train", "val", "test", None, None, None]
    tiny_labelled(monkeypatch, tmp_path / "repo")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "tweets_nl.tsv").write_text(SPLIT_CORPUS.replace("\tp\t", "\tpos\t").replace("\tn\t", "\tneg\t"),
                                           encoding="utf-8")
    sentiment_quality._print_labelled(outside)
    sentiment_quality._print_labelled(outside, "val")
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("lexicon tweets_nl")]
    assert lines == ["lexicon tweets_nl n=2 f1=1.000 neg_recall=0.000",  # test: two positives
                     "lexicon tweets_nl n=3 f1=1.000 neg_recall=1.000"]  # val; the four train texts never


def test_the_complaint_tweets_are_scored_on_a_held_out_fifth_and_val_scores_the_rest(tmp_path: Path) -> None:
    from bench.sentiment_corpora import split_of
    from bench.sentiment_labelled import corpus_items

    ids = [f"cmp{i}" for i in range(50)]
    (tmp_path / "data.tsv").write_text("".join(f"{i}\tneg\tstill waiting\n" for i in ids), encoding="utf-8")
    held_out = [item.id for item in corpus_items("complaints_en", tmp_path / "data.tsv")]
    rest = [item.id for item in corpus_items("complaints_en", tmp_path / "data.tsv", "val")]
    assert held_out == [i for i in ids if split_of(i) == "held_out"] and 0 < len(held_out) < 25
    assert sorted(held_out + rest) == sorted(ids) and not set(held_out) & set(rest)
