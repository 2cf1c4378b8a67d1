"""Sentiment backends, the customer-care rules, the language gate and the per-profile scorer (pure parts)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from listener.demo.dataset import ENGLISH, FOREIGN, INCIDENT_COMPLAINTS
from scoring.backends.base import BackendScore
from scoring.backends.care import (
    CARE_RULE_LANGUAGES,
    KIND_GROUPS,
    NO_EVIDENCE,
    CareEvidence,
    CareLayer,
    RuleBook,
    care_evidence,
    combine,
    lowercase,
    parse_rules,
    shipped_rules,
    word_list,
    words_of,
)
from scoring.backends.care_anchors import anchor_words, without_leading_assertions
from scoring.backends.data_files import data_text
from scoring.backends.lazy_pattern import LazyPattern
from scoring.backends.lexicon import (
    SURE_NEGATIVE,
    LexiconBackend,
    damp_question,
    linear_model,
    neutral_words,
    rule_lexicon,
)
from scoring.backends.registry import BackendError, build_backend
from scoring.backends.vader_backend import VaderBackend
from scoring.calibration import Calibration, Correction, evaluate, learn
from scoring.language import (
    _ascii_lower_words,
    detect_language,
    function_word_guess,
    normalise_code,
    resolve_language,
)
from scoring.sentiment import RecentScores, Scorer, ScorerSettings, polarity_of

RULES = shipped_rules()


ALL_RULES = RULES + shipped_rules("nl") + shipped_rules("de")  # English, Dutch and German customer-care rules


@pytest.mark.parametrize("rule", ALL_RULES, ids=[r.name for r in ALL_RULES])
def test_each_care_rule_fires_on_its_examples_and_not_on_its_counter_examples(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.fires, f"rule {rule.name} has no examples"
    for text in rule.fires:
        assert rule.matches(text.lower()), f"{rule.name} should fire on {text!r}"
    for text in rule.quiet:
        assert not rule.matches(text.lower()), f"{rule.name} should not fire on {text!r}"


@pytest.mark.parametrize("text", ENGLISH["negative"] + INCIDENT_COMPLAINTS)
def test_the_demos_complaints_score_negative_even_with_a_smiley(text: str) -> None:
    care = CareLayer(VaderBackend())
    assert care.score(text).compound <= -0.05
    assert care.score(text + " :)").compound <= -0.05


def test_the_issues_complaints_that_vader_reads_as_neutral_are_negative_with_the_care_layer() -> None:
    vader, care = VaderBackend(), CareLayer(VaderBackend())
    for text in ("Third time asking: where is my refund?", "My order is two weeks late & nobody answers my emails."):
        assert vader.score(text).compound == 0.0 and care.score(text).compound <= -0.5


def test_praise_is_left_alone_and_plain_questions_end_neutral() -> None:
    care = CareLayer(VaderBackend())
    for text in ENGLISH["positive"]:
        assert care_evidence(text, RULES).names == (), text
        assert care.score(text) == VaderBackend().score(text)
    for text in ENGLISH["question"] + ("Do you have gift cards?", "Does the warranty cover accidental damage?"):
        assert care_evidence(text, RULES).names == ("plain_question",), text
        assert polarity_of(care.score(text).compound) == 0, text


def test_sarcasm_marker_counts_only_next_to_a_complaint() -> None:
    assert care_evidence("Thanks a lot :)", RULES) == NO_EVIDENCE
    evidence = care_evidence("Still no refund. Thanks a lot :)", RULES)
    assert "sarcasm_marker" in evidence.names and evidence.complaint and evidence.shift < -0.5


def test_praise_for_a_solved_problem_counts_only_without_a_complaint() -> None:
    care = CareLayer(VaderBackend())
    assert VaderBackend().score("Your support article fixed my problem.").compound < 0.05
    assert care.score("Your support article fixed my problem.").compound >= 0.05
    assert care_evidence("They fixed my problem, but my order is still missing.", RULES).complaint


def test_positive_wording_next_to_a_complaint_counts_little() -> None:
    complaint = CareEvidence(-0.5, ("waiting",), complaint=True)
    assert combine(0.8, complaint) == pytest.approx(0.8 * 0.3 - 0.5)
    assert combine(-0.2, complaint) == pytest.approx(-0.7)
    assert combine(0.4, NO_EVIDENCE) == 0.4


def test_a_plain_question_moves_the_lexicon_score_toward_zero() -> None:
    question = CareEvidence(0.0, ("plain_question",), question_damping=0.5)
    assert combine(0.44, question) == 0.0 and combine(-0.54, question) == pytest.approx(-0.04)
    assert combine(0.9, question) == pytest.approx(0.4)


def test_an_unknown_rule_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="rule 'odd': kind 'cheer'"):
        parse_rules('[[rule]]\nname = "odd"\nkind = "cheer"\nweight = 0.3\npatterns = ["x"]\n', "x.toml")


def test_a_broken_rules_file_names_the_rule() -> None:
    with pytest.raises(ValueError, match="rule 'bad'"):
        parse_rules('[[rule]]\nname = "bad"\nweight = -0.3\npatterns = ["(unclosed"]\n', "x.toml")


@pytest.mark.parametrize(("language", "good", "bad"), [
    ("nl", "Geweldige service, dank jullie wel!", "Het werkt niet en de service is slecht."),
    ("de", "Super Kundenservice, alles schnell gelöst.", "Das gefällt mir nicht, schlechter Service."),
    ("fr", "Service client au top, merci !", "Mon moulin est arrivé cassé. Inacceptable !"),
    ("es", "Atención al cliente excelente, ¡gracias!", "Mi molinillo llegó roto. ¡Inaceptable!"),
])
def test_lexicon_backends_tell_praise_from_complaint(language: str, good: str, bad: str) -> None:
    for use_model in (False, True):
        backend = LexiconBackend(language, use_model=use_model)
        assert backend.score(good).compound >= 0.05 and backend.score(bad).compound <= -0.05, backend.name


def test_the_dutch_model_is_heard_without_polar_words_only_when_sure_of_a_complaint() -> None:
    dutch, model = LexiconBackend("nl"), linear_model("nl")
    assert dutch.version.endswith("+quiet-1") and not LexiconBackend("fr").version.endswith("+quiet-1")
    for text in ("Wij zijn dinsdag gesloten.", "Vanaf maandag rijdt bus 12 via het station."):
        hits = rule_lexicon("nl").score(text)
        assert hits.positive == hits.negative == 0 and abs(model.compound_of_hits(hits)) > 0.1, "would pick a side"
        assert dutch.score(text).compound == 0.0, text
    lost = rule_lexicon("nl").score("Het pakket is niet aangekomen")
    assert lost.positive == lost.negative == 0 and model.compound_of_hits(lost) <= SURE_NEGATIVE
    assert dutch.score("Het pakket is niet aangekomen").compound <= -0.05
    words_only = LexiconBackend("nl", use_model=False)
    assert dutch.score("Dit werkt goed").compound != words_only.score("Dit werkt goed").compound, "a polar word: blend"


def test_post_position_negation_flips_dutch_and_german() -> None:
    assert LexiconBackend("nl", use_model=False).score("Dit werkt goed").compound > 0
    assert LexiconBackend("nl", use_model=False).score("Dit is niet goed").compound < 0
    assert LexiconBackend("de", use_model=False).score("Das Essen war gut").compound > 0
    assert LexiconBackend("de", use_model=False).score("Das Essen war gut nicht").compound < 0


def test_demo_foreign_complaints_score_negative() -> None:
    scorer = Scorer()
    for language, tones in FOREIGN.items():
        for text in tones["negative"]:
            assert (scorer.score(text, language).compound or 0) <= -0.05, (language, text)


def texts_asked_of_english(scorer: Scorer) -> list[str]:
    """The list every text the scorer's English backend is asked about from now on is added to."""
    english, asked = scorer.backends["en"], list[str]()
    score_many = english.score_many

    def counted(texts: Sequence[str]) -> list[BackendScore]:
        asked.extend(texts)
        return score_many(texts)

    english.score_many = counted  # type: ignore[method-assign]
    return asked


def test_a_pair_repeated_in_a_batch_is_scored_once_and_gets_the_same_score() -> None:
    scorer = Scorer()
    asked = texts_asked_of_english(scorer)
    items = [("Third time asking: where is my refund?", "en"), ("Love it!", "en"), ("Third time asking: where is my "
             "refund?", "en"), ("Love it!", None), ("Love it!", "en"), ("", "en"), ("", "en")]
    scores = scorer.score_many(items)
    assert asked == ["Third time asking: where is my refund?", "Love it!", "Love it!"]  # "Love it!" twice: two pairs
    assert scores == [Scorer().score(text, language) for text, language in items]
    assert scores[2] is scores[0] and scores[4] is scores[1] and scores[6] is scores[5]


def test_recent_scores_score_a_pair_met_in_an_earlier_batch_once_and_forget_the_older_generation() -> None:
    scorer = Scorer()
    asked = texts_asked_of_english(scorer)
    recent = RecentScores(scorer, size=3)
    batches = [[("Still no refund", "en"), ("Love it!", "en")], [("Love it!", "en"), ("Thanks", "en")],
               [("Still no refund", "en"), ("Still no refund", "en"), ("Meh", "en")], [("Ok", "en")],
               [("Love it!", "en")]]
    scores = [recent.score_many(batch) for batch in batches]
    # "Love it!" and "Still no refund" were met again while remembered (the second from the older generation); the
    # newer generation (3 pairs) filled up twice after "Love it!" was last met: it is scored again
    assert asked == ["Still no refund", "Love it!", "Thanks", "Meh", "Ok", "Love it!"]
    assert scores == [[Scorer().score(text, language) for text, language in batch] for batch in batches]
    assert scores[1][0] is scores[0][1] and scores[2][0] is scores[0][0]
    long = "Still waiting. " * 70  # longer than RECENT_TEXT_LENGTH: not kept
    assert recent.score_many([(long, "en")]) == recent.score_many([(long, "en")])
    assert asked[-2:] == [long.strip()] * 2


def test_backend_names_are_checked_per_language() -> None:
    with pytest.raises(BackendError, match="English only"):
        build_backend("vader", "nl")
    with pytest.raises(BackendError, match="no lexicon"):
        build_backend("lexicon-model", "it")
    with pytest.raises(BackendError, match="unknown sentiment backend"):
        build_backend("bert", "en")
    with pytest.raises(BackendError, match="model_path"):
        build_backend("transformers", "en")


@pytest.mark.parametrize(("code", "expected"), [
    ("en-US", "en"), ("EN_gb", "en"), ("eng", "en"), ("nld", "nl"), ("ger", "de"), ("und", None), ("mul", None),
    ("zxx", None), ("", None), (None, None), ("it", "it"),
])
def test_platform_codes_are_normalised(code: str | None, expected: str | None) -> None:
    assert normalise_code(code) == expected


def test_undetermined_platform_language_falls_back_to_detection() -> None:
    guess = resolve_language("und", "My order is two weeks late and nobody answers my emails.")
    assert (guess.code, guess.source) == ("en", "detected")


@pytest.mark.parametrize(("text", "language"), [
    ("Mijn bestelling is nog steeds niet geleverd, wat een slechte service", "nl"),
    ("Meine Bestellung ist immer noch nicht angekommen, schlechter Service", "de"),
    ("Ma commande n'est toujours pas arrivée, service client nul", "fr"),
    ("Mi pedido todavía no ha llegado, qué mal servicio", "es"),
    ("The grinder started making a horrible noise after a month.", "en"),
])
def test_gate_detects_the_supported_languages(text: str, language: str) -> None:
    assert detect_language(text).code == language


def test_gate_sends_other_scripts_and_languages_to_lingua() -> None:
    assert detect_language("Этот продукт просто ужасен, никогда больше").code == "ru"
    assert detect_language("Questo prodotto è fantastico, lo consiglio a tutti").code == "it"


def test_scorer_records_backend_and_counts_other_languages_apart() -> None:
    scorer = Scorer()
    english = scorer.score("Third time asking: where is my refund?", "en")
    assert english.backend == "vader+care-3.3.2+care-6+care-lr-4" and english.polarity == -1
    italian = scorer.score("Questo prodotto è fantastico, lo consiglio a tutti", None)
    assert italian.status == "unsupported_language" and italian.language == "it" and italian.compound is None


def test_short_texts_use_the_profiles_default_language() -> None:
    dutch = Scorer(ScorerSettings(default_language="nl"))
    score = dutch.score("slechte service", None)
    assert score.language == "nl" and score.language_source == "uncertain" and score.polarity == -1


def test_scorer_identity_changes_with_backend_and_calibration() -> None:
    base = Scorer().identity
    assert Scorer(ScorerSettings({"en": "vader"})).identity != base
    assert Scorer(calibration=Calibration({"meh": -0.3})).identity != base
    assert Scorer().identity == base


def test_calibration_learns_the_audiences_words_and_helps_on_held_back_corrections() -> None:
    corrections = [Correction(f"x:{i}", f"the grinder is meh {i}", 0.3, "negative") for i in range(12)]
    corrections += [Correction(f"y:{i}", f"proper crema today {i}", 0.0, "positive") for i in range(12)]
    learned = learn(corrections)
    assert learned.terms["meh"] < -0.3 and learned.terms["crema"] > 0.3
    assert polarity_of(learned.adjust("so meh", 0.3)) == -1
    report = evaluate(corrections)
    assert report.held_back > 0 and report.agree_after > report.agree_before


def test_inflected_german_and_dutch_adjectives_take_the_value_of_their_stem() -> None:
    german, dutch = rule_lexicon("de"), rule_lexicon("nl")
    assert german.word_value("schlechtester") == german.word_value("schlechten") == german.words["schlecht"] < 0
    assert dutch.word_value("slechtste") == dutch.words["slecht"] < 0
    assert german.word_value("wieder") == 0.0  # "wied" is no word: short or unknown stems are not guessed


def test_a_polite_emoji_after_a_german_complaint_counts_little() -> None:
    backend = LexiconBackend("de")
    complaint = "Immer noch keine Lieferung nach zehn Tagen. Schlechtester Service überhaupt."
    assert backend.score(complaint + " 🙏").compound <= -0.05
    assert LexiconBackend("de").score("Danke! 🙏").compound >= 0.05


def test_listed_function_words_carry_no_sentiment_and_plain_questions_lean_neutral() -> None:
    assert "naar" in neutral_words("nl") and rule_lexicon("nl").word_value("naar") == 0.0
    assert rule_lexicon("de").word_value("bitte") == 0.0
    assert damp_question("Passt der Gurt?", -0.4) == pytest.approx(-0.1)
    assert damp_question("Warum? Schlecht!", -0.4) == -0.4 and damp_question("Kaputt.", -0.4) == -0.4


def test_each_care_pattern_is_only_skipped_where_it_cannot_match() -> None:
    """Anchors (words a match must contain) only save time: every rule says the same as with every pattern tried."""
    texts = [t for rule in ALL_RULES for t in rule.fires + rule.quiet] + list(ENGLISH["negative"] + INCIDENT_COMPLAINTS)
    texts += [f"{t} - and then: {u}" for t, u in zip(texts, reversed(texts), strict=True)]
    for text in texts:
        lowered = text.lower().replace("’", "'")
        for rule in ALL_RULES:
            assert rule.matches(lowered) == rule.matches_without_anchors(lowered), (rule.name, text)
    assert sum(anchor is None for rule in RULES for anchor in rule.anchors) <= 5  # most patterns have an anchor


def test_the_rule_book_tries_every_pattern_that_can_match() -> None:
    """Filing patterns under their words, checking a second set of words they need and reading only the book's
    vocabulary of a text give the rules that trying every pattern gives, kind group by kind group."""
    texts = [t for rule in ALL_RULES for t in rule.fires + rule.quiet] + list(ENGLISH["negative"] + INCIDENT_COMPLAINTS)
    texts += [f"{t} - and then: {u}" for t, u in zip(texts, reversed(texts), strict=True)]
    for language in ("en", "nl", "de"):
        rules = shipped_rules(language)
        book = RuleBook(rules)
        for text in texts:
            lowered = lowercase(text)
            words = words_of(lowered)
            for group in set(KIND_GROUPS.values()):
                expected = [r for r in rules if KIND_GROUPS[r.kind] == group and r.matches_without_anchors(lowered)]
                assert book._fired(lowered, words, group) == expected, (language, group, text)
                assert book._fired(lowered, book.vocabulary & words, group) == expected, (language, group, text)
    assert sum(bool(second) for rule in RULES for second in rule.seconds) >= 40  # many patterns need two words



def test_the_rule_book_searches_exactly_the_patterns_whose_words_a_text_has() -> None:
    """A pattern is a candidate when the text has one of its anchor words, one of its rule's keywords and one of its
    second words (each where it has them), and only then: the book's packed bits say what the rules' words say."""
    texts = [t for rule in ALL_RULES for t in rule.fires + rule.quiet] + ["", "thanks", "where is my refund"]
    for language in ("en", "nl", "de"):
        rules = shipped_rules(language)
        book = RuleBook(rules)
        needs = [need for rule in rules for anchor, second in zip(rule.anchors, rule.seconds, strict=True)
                 for need in [(anchor, rule.keywords or None, second or None)]]
        for text in texts:
            words = words_of(lowercase(text))
            expected = sum(1 << place for place, wanted in enumerate(needs)
                           if all(some is None or not some.isdisjoint(words) for some in wanted))
            assert book._candidates(words) == expected, (language, text)
    english = RuleBook(RULES)
    assert bin(english._candidates(words_of("where is my refund"))).count("1") < len(english.patterns) // 10

@pytest.mark.parametrize(("pattern", "anchor"), [
    (r"\bno sign of\b", {"sign"}),
    (r"\b(still|yet) no (reply|answer)\b", {"still", "yet"}),  # rarer than "no"; the first of equals
    (r"\b(won.?t|didn.?t) (just |even )?(heat|cool)\b", {"heat", "cool"}),
    (r"\b(lost (my|our)|never (arrived|came))\b", {"lost", "never"}),
    (r"\b(no ?one|nobody) answers", None),  # "noone", and "answers" may go on ("answersheet")
    (r"\bagain\?", {"again"}),
    (r"(keeps?|kept) crashing|froze", None),
    (r"\b(order|parcel)s? (is|was) late\b", {"late"}),
    (r"\b(my|the) (order|parcel)s?\b", {"order", "orders", "parcel", "parcels"}),  # rarer than "my", "the"
    (r"\b(my|the) (order|parcel)s?", {"my", "the"}),  # "orderly" matches: no whole word after the group
    (r"\b(a scam|not arrived|fed up)\b", {"scam", "arrived", "fed"}),  # plain words: the first not common
    (r"\b(a scam|not arrived)", {"a", "not"}),  # "scammer" matches: only the first word is whole
])
def test_anchor_words_come_only_from_shapes_that_make_a_whole_word(pattern: str, anchor: set[str] | None) -> None:
    assert anchor_words(re.compile(pattern)) == (frozenset(anchor) if anchor else None)


@pytest.mark.parametrize(("pattern", "looser"), [
    (r"\bno sign of\b", r"no sign of\b"),
    (r"(?<!not )(?<!n.t )\b(fixed|solved) (my|the)\b", r"(fixed|solved) (my|the)\b"),
    (r"(?:(?<![a-z] )|(?<=please ))\b(fix|sort out) it\b", None),  # a group of lookarounds is not dropped
    (r"(?<=(a))b", None),  # a lookaround holding a group would renumber the groups
    (r"\b(a|b)|c", None), (r"^(oh|wow) great", None), (r"\b", None),
])
def test_a_pattern_is_searched_first_without_its_leading_assertions(pattern: str, looser: str | None) -> None:
    found = without_leading_assertions(re.compile(pattern))
    assert (found.pattern if found else None) == looser


def test_a_looser_form_is_compiled_on_its_first_search_and_finds_what_the_compiled_form_finds() -> None:
    looser = without_leading_assertions(re.compile(r"(?<!not )\b(fixed|solved) (my|the)\b", re.IGNORECASE))
    assert looser is not None and looser.search.__name__ == "_first_search"
    assert looser.search("Not FIXED my bike") is not None  # the first search compiles it, flags kept
    assert looser.search.__self__.pattern == r"(fixed|solved) (my|the)\b"  # type: ignore[attr-defined]
    for text in ("solved the case", "unsolved the case", "fixed it", ""):
        assert bool(looser.search(text)) == bool(re.compile(looser.pattern, re.IGNORECASE).search(text))


@pytest.mark.parametrize("language", sorted(CARE_RULE_LANGUAGES))
def test_every_shipped_pattern_and_its_looser_form_compiles(language: str) -> None:
    """The shipped patterns are compiled on their first search, not when the rules are read: a broken one would
    fail that search, so each is compiled here."""
    for rule in shipped_rules(language):
        for pattern in rule.patterns:
            groups = re.compile(pattern.pattern, pattern.flags).groups
            looser = without_leading_assertions(pattern)
            if looser is not None:
                assert re.compile(looser.pattern, looser.flags).groups == groups


def test_shipped_patterns_are_compiled_on_their_first_search_with_the_same_verdicts() -> None:
    rule = next(r for r in parse_rules(data_text("care_en.toml"), "care_en.toml") if r.name == "missing")
    lazy = next(r for r in shipped_rules("en") if r.name == "missing")
    assert lazy.patterns == tuple(LazyPattern(p.pattern) for p in rule.patterns)  # the same texts, not compiled
    unsearched = LazyPattern(rule.patterns[0].pattern)
    assert unsearched.search.__name__ == "_first_search"
    for text in ("where is my order?", "where's my refund", "the order is here", ""):
        assert bool(unsearched.search(text)) == bool(rule.patterns[0].search(text))
        assert lazy.matches(lowercase(text)) == rule.matches(lowercase(text))
    assert unsearched.search.__self__ == rule.patterns[0]  # type: ignore[attr-defined]  # compiled by the first


def test_one_english_only_function_word_settles_a_plain_ascii_text_without_a_model() -> None:
    assert function_word_guess("Great jacket, warm and light") == "en"
    assert function_word_guess("No me gusta esto.") is None  # "me" is Spanish, Dutch and French too
    assert function_word_guess("Café and croissant") is None  # not plain ASCII: a model decides
    assert function_word_guess("Die Jacke ist super und warm, the best") == "de"  # 3 German words, 3x the English


@pytest.mark.parametrize("text", ["Where is my order_42?!", "my ORDER, still late", "Straße kaputt, ÜBER-teuer",
                                  "İstanbul'da sipariş", "naïve café_au lait", "",
                                  "".join(f"a{chr(code)}" for code in range(128))])  # every ASCII character a gap
def test_care_words_are_the_runs_backslash_w_finds_in_ascii_and_other_text(text: str) -> None:
    assert word_list(text) == re.findall(r"\w+", text)


@pytest.mark.parametrize(("text", "language"), [
    ("The order and the refund", "en"), ("THE ORDER AND THE REFUND", "en"),
    ("İst die Bestellung und das Paket", "de"), ("Don't you think so", "en"),
])
def test_function_words_are_found_whatever_the_case_or_script(text: str, language: str) -> None:
    assert function_word_guess(text) == language


@pytest.mark.parametrize("text", ["don't it's' 'tis rock'n'roll o' ''a''", "a1b_c-d.e", "",
                                  "".join(f"a{chr(code)}'b" for code in range(128)).lower()])
def test_function_words_are_cut_from_ascii_text_as_the_pattern_finds_them(text: str) -> None:
    assert _ascii_lower_words(text) == re.findall(r"[a-z]+(?:'[a-z]+)?", text)


def test_any_character_and_lazy_quantifiers_do_not_count_as_word_ends() -> None:
    assert anchor_words(re.compile(r"\bwhat.s up\b")) == frozenset({"up"})
    assert anchor_words(re.compile(r"\bnever.*?again\b")) is None  # "neveragain" matches: no whole word


@pytest.mark.parametrize(("language", "complaint"), [
    ("de", "Zum dritten Mal: wo bleibt meine Rückerstattung?"),
    ("de", "Immer noch keine Lieferung. Danke :)"),
    ("nl", "Voor de derde keer: waar blijft mijn terugbetaling?"),
    ("nl", "De app werkt nog steeds niet 🙏"),
])
def test_dutch_and_german_complaints_the_word_lists_miss_are_negative(language: str, complaint: str) -> None:
    for use_model in (False, True):
        assert LexiconBackend(language, use_model=use_model).score(complaint).compound <= -0.05, complaint
