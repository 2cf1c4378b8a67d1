"""The German customer-care rules: complaints without a polar word score negative, look-alikes do not."""

from __future__ import annotations

import pytest

from scoring.backends.care import care_evidence, shipped_rules
from scoring.backends.lexicon import LexiconBackend

RULES = shipped_rules("de")
GERMAN = LexiconBackend("de")


COMPLAINTS = {  # rule -> complaints it must turn negative (written for this test)
    "stoerung": ("Der Staubsauger saugt seit gestern nicht, er läuft nach zehn Minuten nicht mehr",
                 "Die Banking-App stürzt bei jeder Überweisung ab", "Seit dem Update zeigt die Uhr keine Schritte mehr",
                 "Sendung steht als zugestellt drin, bei mir ist nichts angekommen",
                 "Die S-Bahn fällt heute schon wieder aus", "Abo beendet und trotzdem weiter abgebucht"),
    "warten": ("Seit einer Stunde in der Warteschleife", "Warum dauert die Freischaltung so lange?",
               "Das Ersatzteil ist noch immer nicht geliefert"),
    "wiederholung": ("Schon dreimal nachgefragt, keiner weiß etwas", "Der Techniker war wieder nicht da"),
}


@pytest.mark.parametrize(("rule", "text"), [(rule, text) for rule, texts in COMPLAINTS.items() for text in texts])
def test_a_complaint_without_a_polar_word_scores_negative(rule: str, text: str) -> None:
    assert rule in care_evidence(text, RULES).names
    assert GERMAN.score(text).compound <= -0.05


@pytest.mark.parametrize("text", [
    "Seit dem Update startet die App viel schneller",
    "Der Fehler tritt nicht mehr auf",
    "Wann wird mein Paket zugestellt?",
    "Ich war schon dreimal bei euch essen, jedes Mal lecker",
    "Meine Rückerstattung kam gestern an",
])
def test_look_alikes_of_a_complaint_fire_no_complaint_rule(text: str) -> None:
    assert not care_evidence(text, RULES).complaint


def test_sarcastic_praise_next_to_a_complaint_counts_against_it() -> None:
    text = "Der Zug fällt aus und keiner sagt Bescheid. Super gemacht."
    assert "sarkasmus" in care_evidence(text, RULES).names
    assert GERMAN.score(text).compound <= -0.3


def test_thanks_for_a_problem_put_right_stays_positive() -> None:
    text = "Der Fehler wurde sofort behoben, vielen Dank"
    assert "geloest" in care_evidence(text, RULES).names
    assert GERMAN.score(text).compound >= 0.05
