"""A Dutch and a German profile end to end on a real SQLite file: scored in their language, index, alert.

Inbound posts arrive without a platform language; the real scorer detects the language, scores them with
the profile's backend, the index gets a sentiment component and a bad stretch fires the sentiment-drop
alert, as it does for English.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from listener.config.settings import Config
from listener.index.aggregate import aggregate_profile
from listener.read.reports import load_index_points
from listener.sentiment.score import score_pending
from listener.storage.models import AuthorRow, ItemProfileRow, ItemRow, SentimentRow
from listener.storage.store import ensure_profile
from listener.storage.upsert import table_of, upsert_rows
from scoring.backends.lexicon import LEXICON_VERSION
from tests.test_alert_cycle import conditions, cycles
from tests.test_alert_noise import Drop, local, simulate

TEXTS = {
    "nl": {
        "positive": ("Super snelle levering, dank jullie wel!", "De klantenservice heeft me echt top geholpen.",
                     "Heel blij met mijn nieuwe koffiemolen, werkt heerlijk.",
                     "Geweldige service in de winkel vandaag, bedankt!"),
        "negative": ("Mijn bestelling is kapot aangekomen, heel slecht.",
                     "De molen werkt niet meer na een week, belachelijk.",
                     "Weer geen antwoord van de klantenservice, waardeloos."),
        "neutral": ("Besteld, komt donderdag binnen.", "Bezorgen jullie ook in België?"),
    },
    "de": {
        "positive": ("Super schnelle Lieferung, vielen Dank!", "Sehr zufrieden mit meiner neuen Mühle, großartig.",
                     "Vielen Dank, alles super gelaufen.", "Perfekt verpackt und schnell geliefert, danke!"),
        "negative": ("Meine Mühle kam kaputt an, sehr enttäuschend.",
                     "Das Gerät funktioniert nach einer Woche nicht mehr, furchtbar.",
                     "Schon wieder keine Antwort vom Kundenservice, schrecklich."),
        "neutral": ("Bestellt, kommt am Donnerstag.",),
    },
}
NAMES = {"nl": "bakkerij", "de": "kaffeehaus"}


def make_config(tmp_path: Path, language: str) -> Config:
    config = Config.model_validate({"profiles": [{
        "name": NAMES[language], "timezone": "Europe/Berlin",
        "sentiment": {"backends": {"en": "vader+care", language: "lexicon-model"}, "default_language": language}}]})
    config.path = tmp_path / "ror.toml"
    return config


def text_for(n: int, compound: float, language: str) -> str:
    tone = "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
    texts = TEXTS[language][tone]
    return texts[n % len(texts)]


def add_posts(engine: Engine, profile: str, rows: Sequence[tuple[datetime, str, float]], language: str) -> None:
    """Inbound replies without a platform language, as a sync would store them (no scores yet)."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, profile, "Europe/Berlin")
        ids = [f"mastodon.example:{language}{n}" for n in range(len(rows))]
        upsert_rows(connection, AuthorRow, [{"platform": "mastodon", "external_id": "a1", "handle": "klant",
                                             "updated_at": now}], ["platform", "external_id"])
        upsert_rows(connection, ItemRow, [
            {"platform": "mastodon", "external_id": i, "kind": "reply", "author_external_id": "a1",
             "text": text_for(n, c, language), "language": None, "url": f"https://mastodon.example/@klant/{n}",
             "created_at": t, "fetched_at": now}
            for n, (i, (t, _, c)) in enumerate(zip(ids, rows, strict=True))], ["platform", "external_id"])
        upsert_rows(connection, ItemProfileRow, [
            {"profile_id": profile_id, "platform": "mastodon", "external_id": i, "role": "inbound",
             "source": "src", "created_at": t} for i, (t, _, _) in zip(ids, rows, strict=True)],
            ["profile_id", "platform", "external_id"])


@pytest.mark.parametrize("language", ["nl", "de"])
def test_a_dutch_or_german_profile_gets_sentiment_index_and_a_drop_alert(
        engine: Engine, tmp_path: Path, language: str) -> None:
    config = make_config(tmp_path, language)
    profile = config.profiles[0]
    add_posts(engine, profile.name, simulate(20, seed=11, drops=[Drop(local(16, 12), local(17, 0))]), language)

    scored = score_pending(engine, profiles=config.profiles)
    with engine.connect() as connection:
        rows = connection.execute(select(table_of(SentimentRow).c.status, table_of(SentimentRow).c.language,
                                         table_of(SentimentRow).c.backend)).all()
    assert scored == len(rows) > 500
    assert {(s, lang) for s, lang, _ in rows} == {("scored", language)}
    model = {"nl": "xed-lr-2+quiet-1", "de": "tweets-lr-5+care-2"}[language]  # German: three-way, trained on tweets
    assert {b for _, _, b in rows} == {f"lexicon-model-{language}-{LEXICON_VERSION}+{model}"}

    cycles(engine, config, local(10) + timedelta(minutes=15), local(20), timedelta(hours=6))
    fired = conditions(engine)
    assert [c for c, _ in fired] == ["sentiment_drop:6h"]
    assert local(16, 12) < fired[0][1] <= local(17, 6)

    aggregate_profile(engine, profile, clock=lambda: local(20))
    points = load_index_points(engine, profile, 30)
    sentiment = [p["components"]["sentiment"]["score"] for p in points]
    assert sum(s is not None for s in sentiment) >= 15
