"""CLI commands for sentiment: score texts as the pipeline would, correct an item, learn a calibration."""

# No `from __future__ import annotations`: Typer reads the command's annotations (see listener/cli/exports.py).

import getpass
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from listener.cli.app import EXIT_USAGE, ConfigOption, ProfileOption, config_and_engine, err, handles_errors, out

if TYPE_CHECKING:  # start-up time: the scorers load with the command that scores
    from scoring.sentiment import Scorer, SentimentScore

WHO_ENV = "ROR_USER"
sentiment_app = typer.Typer(help="Score texts, correct items' sentiment and learn from corrections.",
                            no_args_is_help=True)


def score_record(text: str, s: "SentimentScore") -> dict[str, object]:
    """One --json line: compound, label, language and its source, backend, or why it was not scored."""
    from scoring.sentiment import polarity_of

    label = {1: "positive", 0: "neutral", -1: "negative"}[polarity_of(s.compound)] if s.status == "scored" else None
    return {"text": text, "status": s.status, "compound": s.compound, "label": label, "language": s.language,
            "language_source": s.language_source, "backend": s.backend}


def score_lines(scorer: "Scorer", texts: list[str], language: str | None, as_json: bool) -> list[str]:
    """Printable lines for texts scored as the pipeline would."""
    scores = scorer.score_many([(text, language) for text in texts])
    if as_json:
        return [json.dumps(score_record(t, s), ensure_ascii=False) for t, s in zip(texts, scores, strict=False)]
    return [f"{_shown(s)}\t{t}" for t, s in zip(texts, scores, strict=False)]


def _shown(s: "SentimentScore") -> str:
    if s.status != "scored":
        return f"{s.status} ({s.language or '?'})"
    return f"{s.compound:+.4f} {s.language}/{s.language_source} {s.backend}"


def who_is_correcting() -> str:
    """$ROR_USER, else the login name."""
    return os.environ.get(WHO_ENV) or getpass.getuser()


def register(app: typer.Typer) -> None:
    """Add `ror sentiment ...` to the main app."""

    @sentiment_app.command("score")
    @handles_errors
    def score(texts: Annotated[list[str] | None, typer.Argument(help="Texts to score.")] = None,
              stdin: Annotated[bool, typer.Option("--stdin", help="Read one text per line from stdin.")] = False,
              lang: Annotated[str | None, typer.Option("--lang", help="The platform's language code, if any.")] = None,
              profile: ProfileOption = None, config: ConfigOption = None,
              as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
        """Score texts exactly as the pipeline would (profile's backends, clean-up, language gate, calibration)."""
        chosen = list(texts or []) + ([line.rstrip("\r\n") for line in sys.stdin] if stdin else [])
        if not chosen:
            err.print("give texts as arguments or use --stdin")
            raise typer.Exit(EXIT_USAGE)
        scorer = _scorer(config, profile, config_and_engine)
        sys.stdout.write("".join(line + "\n" for line in score_lines(scorer, chosen, lang, as_json)))

    @sentiment_app.command("set")
    @handles_errors
    def set_(item: Annotated[str, typer.Argument(help="The item as PLATFORM:ID (as shown by ror explain).")],
             label: Annotated[str, typer.Argument(help="positive, neutral or negative.")],
             config: ConfigOption = None) -> None:
        """Correct an item's sentiment; it replaces the score everywhere and survives recompute."""
        from listener.sentiment.corrections import CorrectionError, set_correction

        _, engine = config_and_engine(config)
        try:
            done = set_correction(engine, item, label.lower(), who_is_correcting())
        except CorrectionError as error:
            err.print(f"error: {error}", highlight=False)
            raise typer.Exit(EXIT_USAGE) from None
        was = "no score" if done.scored_compound is None else f"{done.scored_compound:+.4f}"
        out.print(f"{item}: {label} (was {was}), by {done.corrected_by} at {done.corrected_at:%Y-%m-%d %H:%M} UTC; "
                  "run `ror score` to update the index", highlight=False)

    @sentiment_app.command("calibrate")
    @handles_errors
    def calibrate(profile: ProfileOption = None, config: ConfigOption = None,
                  apply: Annotated[bool, typer.Option("--apply", help="Store it; the next run uses it.")] = False,
                  top: Annotated[int, typer.Option("--top", min=1, help="How many terms to show.")] = 20) -> None:
        """Show what the profile's corrections teach and the effect on a held-back quarter of them."""
        from listener.sentiment.calibrate import apply_calibration, calibration_report

        loaded, engine = config_and_engine(config)
        name = loaded.profile(profile).name
        report = calibration_report(engine, name)
        out.print(f"{name}: {report.trained_on + report.held_back} correction(s); learned from {report.trained_on}, "
                  f"held back {report.held_back}", highlight=False)
        for term, weight in list(report.calibration.terms.items())[:top]:
            out.print(f"  {weight:+.3f}  {term}", highlight=False)
        if report.held_back:
            out.print(f"held back: scorer agreed on {report.agree_before}/{report.held_back}, "
                      f"with calibration {report.agree_after}/{report.held_back}", highlight=False)
        if apply:
            calibration = apply_calibration(engine, name)
            out.print(f"applied {len(calibration.terms)} term(s) learned from all corrections; "
                      "`ror score` re-scores the profile", highlight=False)

    app.add_typer(sentiment_app, name="sentiment")


def _scorer(config: Path | None, profile: str | None, engine_of: object) -> "Scorer":
    """The named profile's scorer; the default scorer when there is no config file."""
    from listener.config.settings import default_config_path
    from listener.sentiment.scorers import profile_scorer
    from scoring.sentiment import Scorer

    path = config or default_config_path()
    if config is None and not Path(path).exists():
        return Scorer()
    # engine_of is typed `object` (injected by the caller to keep the CLI import light)
    loaded, engine = engine_of(path)  # type: ignore[operator]
    with engine.connect() as connection:
        return profile_scorer(connection, loaded.profile(profile))
