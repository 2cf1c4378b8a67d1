"""A lexicon scorer with negation, boosters, contrast, caps and '!' rules, for Dutch, German, French and Spanish."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NEGATIONS: dict[str, frozenset[str]] = {
    "nl": frozenset({"niet", "geen", "nooit", "niets", "niks", "niemand", "nergens", "noch", "zonder", "allerminst"}),
    "de": frozenset({"nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals", "nichts",
                     "niemand", "ohne", "weder", "garnicht", "keinesfalls", "keineswegs"}),
    "fr": frozenset({"ne", "pas", "jamais", "rien", "aucun", "aucune", "sans", "ni", "personne", "guère", "n"}),
    "es": frozenset({"no", "nunca", "jamás", "jamas", "nada", "ningún", "ninguna", "ninguno", "sin", "ni", "tampoco",
                     "nadie"}),
}
BOOSTERS: dict[str, frozenset[str]] = {
    "nl": frozenset({"zeer", "heel", "erg", "echt", "super", "enorm", "ontzettend", "extreem", "totaal",
                     "hartstikke", "mega", "behoorlijk", "bijzonder", "absoluut"}),
    "de": frozenset({"sehr", "echt", "total", "extrem", "super", "mega", "richtig", "wirklich", "absolut", "äußerst",
                     "voll", "besonders", "unglaublich", "ziemlich", "völlig"}),
    "fr": frozenset({"très", "tres", "vraiment", "trop", "super", "extrêmement", "tellement", "totalement",
                     "absolument", "hyper", "vachement", "complètement"}),
    "es": frozenset({"muy", "realmente", "súper", "super", "demasiado", "totalmente", "absolutamente", "tan",
                     "extremadamente", "muchísimo"}),
}
DAMPENERS: dict[str, frozenset[str]] = {
    "nl": frozenset({"beetje", "enigszins", "redelijk", "nogal"}),
    "de": frozenset({"etwas", "bisschen", "eher", "kaum", "einigermaßen", "relativ"}),
    "fr": frozenset({"peu", "assez", "plutôt", "légèrement"}),
    "es": frozenset({"poco", "algo"}),
}
CONTRASTS: dict[str, frozenset[str]] = {
    "nl": frozenset({"maar", "echter"}), "de": frozenset({"aber", "jedoch", "sondern", "trotzdem"}),
    "fr": frozenset({"mais", "cependant", "pourtant"}), "es": frozenset({"pero", "sino", "aunque"}),
}
POST_NEGATION = frozenset({"nl", "de", "fr"})  # verb-final / V2: "werkt niet", "gefällt mir nicht"
TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|[!?.,;:]|[\U0001F000-\U0001FAFF\u2600-\u27BF\u2764]")
CLAUSE_END = frozenset(".,;:!?")
NEGATION_FACTOR = -0.74
# Endings tried, longest first, when a word is not in the lexicon: German and Dutch adjectives inflect and
# compare ("schlechtester", "schlechten", "slechtste", "mooier"); what is left must still be a word of 4+ letters.
INFLECTIONS: dict[str, tuple[str, ...]] = {
    "de": ("esten", "ester", "estes", "estem", "este", "sten", "ster", "stes", "stem", "ste", "en", "er", "es", "em",
           "e"),
    "nl": ("ste", "er", "st", "e"),
}
MIN_STEM = 4
POLITE_EMOJI_SHARE = 0.3  # a 🙏 or 😊 after a complaint is politeness or sarcasm: it keeps this share
BOOST_NEAR, BOOST_FAR, DAMPEN = 1.3, 1.15, 0.7


@dataclass(frozen=True)
class LexiconHits:
    """What the rules found in one text: the summed valence and how many words pushed each way."""

    total: float
    positive: int
    negative: int
    tokens: list[str] = field(default_factory=list)


@dataclass
class RuleLexicon:
    """Word (and phrase) valences in [-1, 1] for one language, applied with that language's rules."""

    language: str
    words: dict[str, float]
    max_phrase: int = 1
    _inflected: dict[str, float] = field(default_factory=dict, repr=False)
    _phrase_starts: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for key in self.words:
            if " " in key:  # the longest phrase starting with each first word: only those words look ahead
                first, size = key.split(" ", 1)[0], key.count(" ") + 1
                self._phrase_starts[first] = max(size, self._phrase_starts.get(first, 0))

    @classmethod
    def build(cls, language: str, words: dict[str, float]) -> RuleLexicon:
        """A lexicon whose longest phrase length is taken from its entries."""
        longest = max((key.count(" ") + 1 for key in words), default=1)
        return cls(language, words, longest)

    def valences(self, tokens: list[str]) -> list[float]:
        """Per token, the valence of the longest phrase starting there (0 inside or outside phrases).

        A negation word alone carries no valence (it flips its neighbours); inside a phrase ("niet goed") it does.
        """
        values, i, n = [0.0] * len(tokens), 0, len(tokens)
        negations, starts, words, inflected = NEGATIONS[self.language], self._phrase_starts, self.words, self._inflected
        while i < n:
            token = tokens[i]
            longest = starts.get(token)
            if longest is not None:  # only a phrase's first word looks ahead
                size = next((size for size in range(min(longest, n - i), 1, -1)
                             if " ".join(tokens[i:i + size]) in words), 0)
                if size:
                    values[i] = words[" ".join(tokens[i:i + size])]
                    i += size
                    continue
            if token not in negations:
                value = words.get(token)
                if value is None:
                    value = inflected.get(token)
                values[i] = value if value is not None else self.word_value(token)
            i += 1
        return values

    def word_value(self, word: str) -> float:
        """The word's valence, or that of its stem without an inflection ending (remembered per word)."""
        value = self.words.get(word)
        if value is not None:
            return value
        known = self._inflected.get(word)
        if known is None:
            known = next((self.words[stem] for ending in INFLECTIONS.get(self.language, ())
                          if word.endswith(ending) and len(stem := word[:-len(ending)]) >= MIN_STEM
                          and stem in self.words), 0.0)
            self._inflected[word] = known
        return known

    def score(self, text: str) -> LexiconHits:
        """Sum of rule-adjusted valences: negation flips, boosters scale, 'but' shifts weight to what follows."""
        raw = TOKEN.findall(text)
        tokens = [token.lower() for token in raw]
        values = self.valences(tokens)
        contrast_at = _first_index(tokens, CONTRASTS[self.language])
        words, emoji, positive, negative = 0.0, 0.0, 0, 0
        for i, value in enumerate(values):
            if not value:
                continue
            value *= self._intensity(tokens, i) * (1.2 if raw[i].isupper() and len(raw[i]) > 2 else 1.0)
            if self._negated(tokens, values, i):
                value *= NEGATION_FACTOR
            if contrast_at is not None:
                value *= 0.5 if i < contrast_at else 1.5
            if tokens[i][0].isalpha():
                words += value
            else:
                emoji += value
            positive, negative = positive + (value > 0), negative + (value < 0)
        if words < 0 < emoji:
            emoji *= POLITE_EMOJI_SHARE
        total = words + emoji
        if total and "!" in tokens:
            total *= 1 + 0.1 * min(3, tokens.count("!"))
        return LexiconHits(total, positive, negative, tokens)

    def _intensity(self, tokens: list[str], i: int) -> float:
        factor = 1.0
        for j, boost in ((i - 1, BOOST_NEAR), (i - 2, BOOST_FAR)):
            if j >= 0 and tokens[j] in BOOSTERS[self.language]:
                factor *= boost
            elif j >= 0 and tokens[j] in DAMPENERS[self.language]:
                factor *= DAMPEN
        return factor

    def _negated(self, tokens: list[str], values: list[float], i: int) -> bool:
        negations = NEGATIONS[self.language]
        for j in range(i - 1, max(-1, i - 4), -1):
            if tokens[j] in CLAUSE_END:
                break
            if tokens[j] in negations:
                return True
        if self.language not in POST_NEGATION:
            return False
        for j in range(i + 1, min(len(tokens), i + 4)):
            if tokens[j] in CLAUSE_END or values[j]:
                return False
            if tokens[j] in negations:
                return True
        return False


def _first_index(tokens: list[str], wanted: frozenset[str]) -> int | None:
    if wanted.isdisjoint(tokens):
        return None
    return next(i for i, token in enumerate(tokens) if token in wanted)
