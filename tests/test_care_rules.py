"""The English customer-care rules added for complaints without the obvious words, and the request words."""

from __future__ import annotations

import pytest

from scoring.backends.care import CareLayer, care_evidence, shipped_request_words, shipped_rules
from scoring.backends.vader_backend import VaderBackend

RULES = shipped_rules()
RULES_ONLY = CareLayer(VaderBackend(), use_model=False)


def test_request_words_carry_no_sentiment_in_the_care_layer_but_do_in_plain_vader() -> None:
    assert {"please", "help", "kindly"} <= shipped_request_words()
    text = "please help, kindly"
    assert VaderBackend().score(text).compound > 0.5, "VADER reads a request as praise"
    assert RULES_ONLY.score(text).compound == 0.0
    assert RULES_ONLY.inner.score(text).compound == 0.0


def test_a_request_for_help_with_a_fault_is_no_longer_read_as_praise() -> None:
    text = "my router keeps dropping the connection, please help"
    assert VaderBackend().score(text).compound >= 0.05
    assert RULES_ONLY.score(text).compound <= -0.05


def test_praise_keeps_its_thanks() -> None:
    assert RULES_ONLY.score("Thanks so much, the engineer was brilliant").compound >= 0.5


@pytest.mark.parametrize(("rule", "text"), [
    ("not_working", "the app won't let me log in"),
    ("not_working", "our internet has been down since noon"),
    ("not_working", "I keep getting network issues on the tv app"),
    ("rhetorical_question", "how come my parcel went to another city?"),
    ("rhetorical_question", "is this how you treat customers?"),
    ("demand", "fix your app"),
    ("demand", "sort it out"),
    ("negated_expectation", "the engineer never showed up"),
    ("negated_expectation", "any update on my claim?"),
    ("late_by", "the train is 40 mins late"),
    ("lost_loyalty", "this is the last time I order from you"),
    ("bad_condition", "the bread was stale"),
    ("money_taken", "so you bump the prices up again"),
    ("complaint_word", "I'd like to make a complaint"),
    ("failure_words", "the app is unusable since monday"),
    ("money_taken", "why is my direct debit £30 more than last month"),
    ("money_taken", "the broadband bill has doubled"),
    ("wrong_or_postponed", "you sent me a size 8 instead of a 12"),
    ("wrong_or_postponed", "ordered the veggie one, got chicken"),
    ("wrong_or_postponed", "my install date keeps getting pushed back"),
    ("trouble_question", "is the booking site down? it just spins"),
    ("trouble_question", "when will the heating be working again"),
    ("trouble_question", "what's happening with the 7:40 to Leeds?"),
    ("trouble_question", "I used to be able to scan tickets in the app"),
])
def test_each_new_complaint_rule_turns_a_complaint_vader_misses_negative(rule: str, text: str) -> None:
    assert VaderBackend().score(text).compound > -0.05, "VADER alone misses it"
    assert rule in care_evidence(text, RULES).names
    assert RULES_ONLY.score(text).compound <= -0.05


@pytest.mark.parametrize("text", [
    "Thanks, you sorted my billing issue in five minutes",
    "Been a customer for ten years and never had a problem.",
    "they never let me down, top company",
    "no complaints here, lovely stay",
    "It finally let me in, thanks!",
    "got a seat upgrade for no reason, made my week",
    "quick reply, polite, problem solved.",
    "been with you 8 years and never had a reason to leave",
    "refund landed already, didn't expect it so quick",
])
def test_praise_that_names_a_problem_it_no_longer_has_stays_positive(text: str) -> None:
    assert care_evidence(text, RULES).complaint is False
    assert RULES_ONLY.score(text).compound >= 0.05


@pytest.mark.parametrize("text", [
    "Do you deliver to the business park on weekends?",
    "How do I change my address?",
    "I'll bring it back tomorrow",
])
def test_plain_questions_and_plans_are_not_complaints(text: str) -> None:
    assert care_evidence(text, RULES).complaint is False


@pytest.mark.parametrize("text", [
    "which plan is best for someone who works from home",
    "when is the next season of the battle pass starting",
    "@_ will the console version get the same patch",
    "Do you have a gift card with a nice design?",
])
def test_a_plain_question_without_a_complaint_is_neutral_even_without_its_question_mark(text: str) -> None:
    evidence = care_evidence(text, RULES)
    assert "plain_question" in evidence.names and not evidence.complaint
    assert abs(CareLayer(VaderBackend()).score(text).compound) < 0.05


@pytest.mark.parametrize("text", [
    "can't log in since the update",
    "when will my refund arrive, it's been three weeks",
    "what a great service",
])
def test_complaints_and_exclamations_are_not_plain_questions(text: str) -> None:
    assert "plain_question" not in care_evidence(text, RULES).names


def test_british_spellings_read_as_the_american_ones_in_the_care_layer_only() -> None:
    assert VaderBackend().score("my favourite shop").compound == 0.0, "VADER alone lacks the British spelling"
    assert RULES_ONLY.inner.score("my favourite shop").compound == VaderBackend().score("my favorite shop").compound
    assert RULES_ONLY.score("one of my favourites").compound >= 0.05


def test_a_ruined_favourite_is_still_a_complaint() -> None:
    assert RULES_ONLY.score("the new detergent ruined my favourite dress").compound <= -0.05


@pytest.mark.parametrize("text", [
    "Looking forward to the new menu next week",
    "can't wait to try the new flavour",
    "so looking forward to our stay at the lodge",
])
def test_anticipation_vader_misses_is_praise(text: str) -> None:
    assert VaderBackend().score(text).compound < 0.05, "VADER alone misses it"
    assert "looking_forward" in care_evidence(text, RULES).names
    assert RULES_ONLY.score(text).compound >= 0.05


@pytest.mark.parametrize("text", [
    "looking forward to your reply",
    "Order 4471 still not here. Looking forward to hearing from you.",
    "can't wait until Friday for an engineer",
])
def test_waiting_for_an_answer_is_not_anticipation(text: str) -> None:
    assert RULES_ONLY.score(text).compound < 0.05


@pytest.mark.parametrize("text", [
    "No matter how many times I shop here it never gets old",
    "Saw it for the second time last night",
    "didn't get a chance to try the dessert",
    "I've never bothered to look it up, thanks",
])
def test_a_visit_or_a_chance_missed_is_no_complaint(text: str) -> None:
    assert care_evidence(text, RULES).complaint is False


def test_a_name_that_begins_with_a_praise_word_is_no_praise() -> None:
    assert VaderBackend().score("Checked in at the museum in London, Greater London").compound >= 0.05
    assert RULES_ONLY.score("Checked in at the museum in London, Greater London").compound == 0.0
    assert RULES_ONLY.score("Great Western cancelled my train again").compound <= -0.05
    assert RULES_ONLY.score("the staff in the great hall were great").compound >= 0.05, "praise beside a name counts"
