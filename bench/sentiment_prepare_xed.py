"""Turn a copy of XED's projection files into the bench's two-class `xed_<lang>.tsv` corpora (run by a maintainer).

`python -m bench.sentiment_prepare_xed --xed DIR --out DIR` reads `<lang>-projections.tsv` for every language in
LANGUAGES from DIR (the `Projections` folder of XED, Öhman, Pàmies, Kajava, Tiedemann 2020, CC-BY-4.0; nothing is
downloaded) and writes `xed_<lang>.tsv` into the corpora folder `--out`, in the format of bench/sentiment_corpora.py.
The rule, which decides what the XED-trained models learn from and which fifth the quality bench holds out:
- a line of the file (lines end at `\\n`, numbered from 1) is `text<TAB>labels`, labels being XED's emotion
  numbers separated by commas (1 anger, 2 anticipation, 3 disgust, 4 fear, 5 joy, 6 sadness, 7 surprise, 8 trust);
  a line of another shape (stray alignment and quoting lines: a few hundred in the German and French files) or
  with an empty text is skipped;
- `pos` when every label is joy or trust, `neg` when every label is anger, disgust, fear or sadness, else left out;
- every polar line is kept, in file order, its text stripped of surrounding spaces, its id `xed-<lang><line number>`.
Deterministic: the same files give the same corpora.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from pathlib import Path

LANGUAGES = ("nl", "de", "fr", "es")
POSITIVE = frozenset({5, 8})  # joy, trust
NEGATIVE = frozenset({1, 3, 4, 6})  # anger, disgust, fear, sadness
LABEL_LIST = re.compile(r"\s*[1-8](\s*,\s*[1-8])*\s*")


def polarity(emotions: frozenset[int]) -> str | None:
    """`pos` or `neg` when all the emotions are on one side, else None."""
    if emotions <= POSITIVE:
        return "pos"
    return "neg" if emotions <= NEGATIVE else None


def iter_polar_lines(text: str, language: str) -> Iterator[tuple[str, str, str]]:
    """(id, label, text) of every polar line of one projections file's content, in file order."""
    for number, line in enumerate(text.split("\n"), start=1):
        fields = line.rstrip("\r").split("\t")
        if len(fields) != 2 or not fields[0].strip() or not LABEL_LIST.fullmatch(fields[1]):
            continue
        label = polarity(frozenset(int(n) for n in fields[1].split(",")))
        if label is not None:
            yield f"xed-{language}{number}", label, fields[0].strip()


def save_xed_corpus(projections: Path, language: str, out: Path) -> int:
    """Write `xed_<language>.tsv` into `out` from one projections file; the number of lines written."""
    rows = list(iter_polar_lines(projections.read_bytes().decode("utf-8"), language))
    (out / f"xed_{language}.tsv").write_text("".join(f"{i}\t{label}\t{text}\n" for i, label, text in rows),
                                             encoding="utf-8")
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    """Write xed_<lang>.tsv into --out for every language in LANGUAGES."""
    parser = argparse.ArgumentParser(prog="python -m bench.sentiment_prepare_xed", description=__doc__.splitlines()[0])
    parser.add_argument("--xed", type=Path, required=True, help="folder holding XED's <lang>-projections.tsv files")
    parser.add_argument("--out", type=Path, required=True, help="the corpora folder to write xed_<lang>.tsv into")
    args = parser.parse_args(argv)
    missing = [f"{lang}-projections.tsv" for lang in LANGUAGES if not (args.xed / f"{lang}-projections.tsv").is_file()]
    if missing:
        print(f"error: no {', '.join(missing)} in {args.xed}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        print(f"xed_{language}: {save_xed_corpus(args.xed / f'{language}-projections.tsv', language, args.out)} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
