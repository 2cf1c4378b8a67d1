"""Language of an item: the platform's word first, a fast detector for longer texts, lingua only to settle doubt."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal, NamedTuple

LanguageSource = Literal["platform", "detected", "uncertain"]

DEFAULT_MIN_CONFIDENCE = 0.5
DEFAULT_MIN_WORDS = 4
GATE_LANGUAGES = ("en", "nl", "de", "fr", "es")
FAST_CONFIDENT = 0.9  # py3langid's probability among GATE_LANGUAGES above which lingua is not asked
LATIN_SHARE = 0.6  # texts with fewer Latin letters than this share are not in a gate language
# lingua settles doubt among the gate's languages and these common neighbours and scripts.
DOUBT_LANGUAGES = ("it", "pt", "pl", "sv", "da", "nb", "tr", "id", "ro", "ca", "af",
                   "ru", "uk", "el", "ar", "he", "hi", "ja", "zh", "ko", "th")
# Function words that are frequent in one language and rare in the others (and in Italian, Portuguese,
# Afrikaans and the Scandinavian languages, listed under "other"). A text with two of one gate language's
# words and none of any other list is that language without asking a model.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset({"the", "and", "you", "my", "with", "this", "that", "have", "for", "are", "but", "what", "your",
                     "of", "to", "it", "they", "not", "just", "been", "i", "me", "our", "he", "she", "from", "there",
                     "their", "would", "could", "which", "about", "into", "them", "were", "has", "his", "who", "will",
                     "more", "than", "only", "very", "if", "or", "as", "be", "all", "out", "us", "can", "him"}),
    "nl": frozenset({"het", "een", "niet", "ik", "je", "van", "maar", "wat", "dat", "voor", "zijn", "mijn", "hij",
                     "ze", "jullie", "geen", "nog", "ook", "heb", "wij", "bij", "naar", "er", "zo", "hebben", "hebt",
                     "moet", "waar", "jij", "jou", "uw", "onze", "deze", "wordt", "worden", "heeft", "alleen",
                     "altijd", "gewoon", "nu", "toch", "wel", "iets", "niets", "veel", "zou", "weet"}),
    "de": frozenset({"der", "die", "das", "und", "nicht", "ich", "ist", "ein", "eine", "zu", "mit", "sie", "wir",
                     "auch", "noch", "mein", "meine", "aber", "sehr", "kein", "keine", "schon", "bin", "habe", "sich",
                     "mir", "dich", "dir", "uns", "sind", "wenn", "dass", "doch", "nur", "jetzt", "haben", "hat",
                     "wird", "kann", "muss", "dann", "mich", "auf", "für", "von", "dem", "im", "ihn", "nichts",
                     "immer"}),
    "fr": frozenset({"le", "la", "les", "et", "est", "pas", "une", "je", "vous", "nous", "mon", "ma", "mes", "avec",
                     "pour", "mais", "très", "ce", "c'est", "du", "au", "sur", "qui", "ne", "tu", "moi", "toi", "ça",
                     "elle", "dans", "suis", "j'ai", "n'est", "qu'il", "pourquoi", "rien", "aussi", "fait", "être",
                     "tout", "où", "cette", "leur", "vais", "veux", "peut"}),
    "es": frozenset({"el", "los", "las", "que", "y", "por", "una", "muy", "pero", "mi", "con", "para", "del", "está",
                     "lo", "todo", "nada", "sin", "yo", "es", "se", "su", "al", "como", "más", "esto", "eso", "aquí",
                     "ahora", "usted", "señor", "te", "estoy", "tengo", "hay", "porque", "cuando", "donde",
                     "también", "sí", "qué", "él", "ella", "nos"}),
    "other": frozenset({"il", "di", "che", "non", "sono", "della", "questo", "não", "uma", "os", "em", "você",
                        "og", "och", "att", "ikke", "inte", "jeg", "jag", "nie", "ek", "dit", "ons"}),
}
# English function words that are no words of Dutch, German, French or Spanish ("me", "of", "he" are): one of
# them in a text of plain ASCII letters, with no other list's words, is enough to call it English.
ENGLISH_ONLY = FUNCTION_WORDS["en"] - {"me", "of", "he", "i"}
_ANY_FUNCTION_WORD = frozenset().union(*FUNCTION_WORDS.values())
_LISTS_OF = {word: tuple(code for code, listed in FUNCTION_WORDS.items() if word in listed)  # the lists a word is on
             for word in _ANY_FUNCTION_WORD}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_ASCII_LOWER_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")  # what _WORD finds in lower-case ASCII text, found faster
_ASCII_GAP_AS_SPACE = "".join(c if "a" <= c <= "z" or c == "'" else " " for c in map(chr, range(128)))
NO_LANGUAGE = frozenset({"und", "mul", "zxx", "mis", "qaa", "xx", "unknown", "none", "null"})
ISO_639_2 = {"eng": "en", "nld": "nl", "dut": "nl", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr",
             "spa": "es", "ita": "it", "por": "pt", "pol": "pl", "jpn": "ja", "zho": "zh", "chi": "zh",
             "rus": "ru", "tur": "tr", "ara": "ar", "swe": "sv", "dan": "da", "nor": "no", "fin": "fi"}


class LanguageGuess(NamedTuple):
    """A language code (ISO 639-1, lower case) or None, and where it came from (a named tuple: quick to make)."""

    code: str | None
    source: LanguageSource
    confidence: float


@lru_cache(maxsize=512)
def normalise_code(code: str | None) -> str | None:
    """'en-US' -> 'en', 'eng' -> 'en', 'und'/'mul'/'zxx'/'' -> None (the platform does not know)."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    if not base or base in NO_LANGUAGE:
        return None
    return ISO_639_2.get(base, base) if len(base) == 3 else base


@lru_cache(maxsize=1)
def _fast_detector() -> tuple[Any, Any, list[str]]:
    """py3langid over its 97 languages (normalised probabilities), the gate's columns and all labels; loaded once."""
    import numpy as np
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    labels = list(identifier.nb_classes)
    return identifier, np.array([labels.index(code) for code in GATE_LANGUAGES]), labels


def fast_guess(text: str) -> tuple[str, float, str]:
    """(best gate language, its probability among the gate's languages, best language overall), one pass.

    Uses py3langid's per-language probabilities (`_decide`, the step behind its classify and rank),
    so the text's features are extracted once for both questions.
    """
    identifier, gate, labels = _fast_detector()
    probabilities = identifier._decide(text)
    among = probabilities[gate]
    best = int(among.argmax())
    total = float(among.sum()) or 1.0
    return GATE_LANGUAGES[best], float(among[best]) / total, labels[int(probabilities.argmax())]


@lru_cache(maxsize=1)
def _detector() -> Any:
    """lingua over the gate's languages and neighbours, to settle doubt; each model loads on first use.

    Low-accuracy mode (trigram models only): on 12,000 texts that reach it (English review snippets and
    Dutch, German, French and Spanish subtitle lines) it agreed with the full models on 98.9%, was right
    slightly more often (10,463 against 10,399) and refused less English (157 against 169), in 49 MB of
    models instead of 574 MB.
    """
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in GATE_LANGUAGES + DOUBT_LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_low_accuracy_mode().build()


def latin_share(text: str) -> float:
    """Share of the letters in `text` that are Latin script (1.0 when there are no letters)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 1.0
    return sum(c < "\u0250" for c in letters) / len(letters)


def _ascii_lower_words(lowered: str) -> list[str]:
    """What _ASCII_LOWER_WORD finds in a lower-cased ASCII text: the runs of letters and apostrophes, cut at C speed
    (a match lies inside one run); only a run with an apostrophe in it is searched."""
    runs = lowered.translate(_ASCII_GAP_AS_SPACE).split()
    if "'" not in lowered:
        return runs
    return [word for run in runs for word in (_ASCII_LOWER_WORD.findall(run) if "'" in run else (run,))]


def function_word_guess(text: str) -> str | None:
    """The gate language with two or more of its function words in `text` while no other list has any, or with
    three or more and at least three times as many as any other list ("die" or "me" in an English sentence);
    English also with one word of ENGLISH_ONLY in a plain-ASCII text."""
    # lower-casing ASCII first finds the same words; elsewhere it may not ("İ" lower-cases to two characters)
    plain = text.isascii()
    present = _ANY_FUNCTION_WORD.intersection(_ascii_lower_words(text.lower()) if plain else
                                             map(str.lower, _WORD.findall(text)))
    counts: dict[str, int] = {}  # per list with any of the text's words: how many (a few words: a quick count)
    for word in present:
        for code in _LISTS_OF[word]:
            counts[code] = counts.get(code, 0) + 1
    counted = sorted(((count, code) for code, count in counts.items()), reverse=True)
    best, code = counted[0] if counted else (0, "other")
    second = counted[1][0] if len(counted) > 1 else 0
    if code == "other" or best < 2:  # ENGLISH_ONLY's words are function words: those of the text are in `present`
        return "en" if code == "en" and best == 1 and second == 0 and plain and \
            not present.isdisjoint(ENGLISH_ONLY) else None
    return code if second == 0 or (best >= 3 and best >= 3 * second) else None


def settle_with_lingua(text: str, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> LanguageGuess:
    """lingua's verdict, trusted only at `min_confidence`."""
    values = _detector().compute_language_confidence_values(text)
    if not values or values[0].value < min_confidence:
        return LanguageGuess(None, "uncertain", values[0].value if values else 0.0)
    return LanguageGuess(values[0].language.iso_code_639_1.name.lower(), "detected", values[0].value)


def detect_language(
    text: str,
    *,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    min_words: int = DEFAULT_MIN_WORDS,
) -> LanguageGuess:
    """Detect offline; short or doubtful texts come back as 'uncertain'.

    On short social texts detectors guess wildly ("lol ok" as Zulu), so nothing is guessed
    below `min_words` words. Two function words of one language and none of another's settle most
    texts; py3langid (about 0.05 ms) decides among the supported languages; a
    non-English verdict must also top py3langid's full ranking (Italian is not Spanish). When it is
    not sure, or the text is mostly in another script, lingua settles it.
    """
    if len(text.split()) < min_words:
        return LanguageGuess(None, "uncertain", 0.0)
    by_words = function_word_guess(text)
    if by_words is not None:
        return LanguageGuess(by_words, "detected", 1.0)
    if latin_share(text) >= LATIN_SHARE:
        code, probability, overall = fast_guess(text)
        if probability >= FAST_CONFIDENT and (code == "en" or overall == code):
            return LanguageGuess(code, "detected", probability)
    return settle_with_lingua(text, min_confidence)


def resolve_language(platform_code: str | None, text: str) -> LanguageGuess:
    """Prefer what the platform reports; detect only where it says nothing."""
    guess = platform_guess(platform_code)
    return guess if guess is not None else detect_language(text)


@lru_cache(maxsize=512)
def platform_guess(platform_code: str | None) -> LanguageGuess | None:
    """The guess a platform's language code makes (one shared value per code), None when it names no language."""
    code = normalise_code(platform_code)
    return LanguageGuess(code, "platform", 1.0) if code else None
