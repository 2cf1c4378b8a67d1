"""A customer-care layer on top of a lexicon backend: complaints, waiting, repetition, missing things, sarcasm."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal, cast

from scoring.backends.base import Backend, BackendScore
from scoring.backends.care_anchors import ranked_anchors, without_leading_assertions
from scoring.backends.care_model import (
    CareInputs,
    care_features,
    care_model,
    least_margin,
    model_may_move,
    with_care_model,
)
from scoring.backends.data_files import data_toml
from scoring.backends.lazy_pattern import LazyPattern, SearchPattern
from scoring.backends.vader_backend import VaderBackend

CARE_VERSION = "6"
POSITIVE_DISCOUNT = 0.3  # share of a positive lexicon score kept next to a complaint
RuleKind = Literal["complaint", "sarcasm", "praise", "question"]
RULE_KINDS: tuple[RuleKind, ...] = ("complaint", "sarcasm", "praise", "question")


@dataclass(frozen=True)
class CareRule:
    """One readable rule: a name, a kind, a weight and the patterns that trigger it.

    complaint: adds its (negative) weight; sarcasm: the same, but only next to a complaint;
    praise: adds its (positive) weight when no complaint fired; question: a plain question with
    no complaint in it, its lexicon score moved `weight` toward zero.
    """

    name: str
    weight: float
    patterns: tuple[SearchPattern, ...]
    kind: RuleKind = "complaint"
    fires: tuple[str, ...] = ()
    quiet: tuple[str, ...] = ()
    keywords: frozenset[str] = frozenset()
    anchors: tuple[frozenset[str] | None, ...] = field(init=False, repr=False, compare=False)
    seconds: tuple[frozenset[str], ...] = field(init=False, repr=False, compare=False)  # the next anchors, or {}

    def __post_init__(self) -> None:
        ranked = [ranked_anchors(p) for p in self.patterns]
        object.__setattr__(self, "anchors", tuple(r[0] if r else None for r in ranked))
        object.__setattr__(self, "seconds", tuple(r[1] if len(r) > 1 else frozenset() for r in ranked))

    def matches(self, lowered: str, words: frozenset[str] | None = None) -> bool:
        """Whether any pattern is found in the lower-cased text (a pattern is not tried without its anchor words)."""
        words = words if words is not None else words_of(lowered)
        if self.keywords and self.keywords.isdisjoint(words):
            return False
        return any(pattern.search(lowered) for pattern, anchor in zip(self.patterns, self.anchors, strict=True)
                   if anchor is None or not anchor.isdisjoint(words))

    def matches_without_anchors(self, lowered: str) -> bool:
        """Whether any pattern is found, every pattern tried (what the anchors must never change)."""
        return any(pattern.search(lowered) for pattern in self.patterns)


@dataclass(frozen=True)
class CareEvidence:
    """What the rules found in one text: the shift to add, whether it is a complaint, a plain question."""

    shift: float = 0.0
    names: tuple[str, ...] = ()
    complaint: bool = False
    question_damping: float = 0.0

    @property
    def reassures(self) -> bool:
        """Praise or a plain question and no complaint: the learned model is not asked about such a text."""
        return bool(self.names) and not self.complaint


NO_EVIDENCE = CareEvidence()
_WORD = re.compile(r"\w+")  # as \b sees words: "_" joins, so a word next to it is never a whole one
# ASCII text with every character but letters, digits and "_" made a space: its split() is what \w+ finds, faster.
# A bytes table: bytes.translate is one table look-up a byte, str.translate a mapping look-up per distinct character.
_ASCII_NON_WORD_AS_SPACE = bytes(c if chr(c).isalnum() or c == ord("_") else ord(" ") for c in range(128)) + bytes(128)


def lowercase(text: str) -> str:
    """The text as the rules read it: lower case, a typographic apostrophe made plain."""
    return text.lower().replace("’", "'")


def words_of(lowered: str) -> frozenset[str]:
    """The words of a lower-cased text: runs of letters, digits and "_" (any script), as `\\b` sees them."""
    return frozenset(word_list(lowered))


def word_list(text: str) -> list[str]:
    """The words of a text in order: runs of letters, digits and "_" (any script), as `\\b` sees them."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_NON_WORD_AS_SPACE).decode("ascii").split()
    return _WORD.findall(text)


def parse_rules(text: str, where: str = "rules") -> tuple[CareRule, ...]:
    """Rules from TOML text; a one-line error names the rule and what is wrong (a pattern that does not compile
    too: every pattern is compiled here)."""
    return _rules_of(tomllib.loads(text), where, re.compile)


def _rules_of(document: Mapping[str, Any], where: str,
              pattern_of: Callable[[str], SearchPattern]) -> tuple[CareRule, ...]:
    rules = []
    for number, entry in enumerate(document.get("rule", []), start=1):
        name = entry.get("name", f"#{number}")
        try:
            rules.append(_rule(name, entry, pattern_of))
        except (KeyError, TypeError, ValueError, re.error) as error:
            raise ValueError(f"{where}: rule {name!r}: {error}") from error
    return tuple(rules)


def _rule(name: str, entry: dict[str, object], pattern_of: Callable[[str], SearchPattern]) -> CareRule:
    kind = str(entry.get("kind", "complaint"))
    if kind not in RULE_KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(RULE_KINDS)}")
    patterns = tuple(pattern_of(p) for p in cast(list[str], entry["patterns"]))
    return CareRule(name, float(cast(float, entry["weight"])), patterns, cast(RuleKind, kind),
                    tuple(cast(list[str], entry.get("fires", ()))), tuple(cast(list[str], entry.get("quiet", ()))),
                    frozenset(cast(list[str], entry.get("keywords", ()))))


CARE_RULE_LANGUAGES = frozenset({"en", "nl", "de"})


def _care_file(language: str) -> str:
    return f"care_{language}.toml"


@lru_cache(maxsize=8)
def shipped_rules(language: str = "en") -> tuple[CareRule, ...]:
    """The rules in scoring/backends/data/care_<language>.toml (en, nl, de), read once per process; each pattern is
    compiled on its first search (a test compiles every shipped pattern; 20,000 statuses search a third of them)."""
    return _rules_of(data_toml(_care_file(language)), _care_file(language), LazyPattern)


@lru_cache(maxsize=8)
def shipped_request_words(language: str = "en") -> frozenset[str]:
    """The `request_words` of care_<language>.toml: words a general lexicon reads as positive that, in a message
    to a brand, only ask ("please", "help"); the care layer reads them without sentiment."""
    return frozenset(data_toml(_care_file(language)).get("request_words", ()))


@lru_cache(maxsize=8)
def shipped_spellings(language: str = "en") -> Mapping[str, str]:
    """The `spellings` of care_<language>.toml: British spellings a general lexicon lacks ("favourite"), each with
    the spelling it lists ("favorite"); the care layer reads them at that word's value."""
    return MappingProxyType(dict(data_toml(_care_file(language)).get("spellings", {})))


@lru_cache(maxsize=8)
def shipped_names(language: str = "en") -> NamePraise:
    """The `names` of care_<language>.toml: names whose first word a general lexicon reads as praise."""
    return NamePraise(tuple(data_toml(_care_file(language)).get("names", ())))


class NamePraise:
    """Names that begin with a praise word ("Greater London", "Great Western"): the text a lexicon should read has
    that first word taken out of them, and only there ("a great service" keeps it)."""

    def __init__(self, names: Sequence[str]) -> None:
        parts = [name.lower().partition(" ") for name in names]
        self.first_words = frozenset(first for first, _, _ in parts)
        alternatives = [rf"\b{re.escape(first)} (?={re.escape(rest)}\b)" for first, _, rest in parts]
        self.pattern = re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None

    def without_praise(self, text: str, words: Iterable[str]) -> str:
        """`text` with the first word of each name in it removed (`words`: the text's lower-cased words)."""
        if self.pattern is None or self.first_words.isdisjoint(words):
            return text
        return self.pattern.sub("", text)


KIND_GROUPS: dict[RuleKind, str] = {"complaint": "complaint", "sarcasm": "sarcasm", "praise": "other",
                                    "question": "other"}  # the kinds tried together (praise and question are)


class RuleBook:
    """Rules made quick to apply: each pattern needs one of its anchor words, one of its rule's keywords and one
    of a second set of words (each where it has them); per word the book keeps which patterns the word serves
    in each of the three, as bits, so a text's candidate patterns are an OR per word and two ANDs, and only those
    are searched - the same verdicts as trying every pattern, far fewer searches.

    The three sets of bits of a word are packed into one integer (anchors in the lowest `width` bits, keywords
    in the next, second words above them): one look-up and one OR per word instead of three."""

    def __init__(self, rules: Sequence[CareRule]) -> None:
        self.rules = tuple(rules)
        # (rule index, pattern, the pattern without its leading assertions: searched first, being quicker to rule a
        # text out); a pattern's bit is its place here
        self.patterns: list[tuple[int, SearchPattern, LazyPattern | None]] = []
        # per word: the patterns it is an anchor of, a keyword of (their rule's), a second word of
        needs: dict[str, list[int]] = {}
        free = [0, 0, 0]  # the patterns without anchor words, without keywords, without a second set
        self.groups: dict[str, int] = dict.fromkeys(KIND_GROUPS.values(), 0)  # the patterns of each group of kinds
        self.of_rule: list[int] = [0] * len(self.rules)
        for rule_index, rule in enumerate(self.rules):
            for pattern, anchor, second in zip(rule.patterns, rule.anchors, rule.seconds, strict=True):
                bit = 1 << len(self.patterns)
                self.patterns.append((rule_index, pattern, without_leading_assertions(pattern)))
                self.groups[KIND_GROUPS[rule.kind]] |= bit
                self.of_rule[rule_index] |= bit
                for slot, words in enumerate((anchor, rule.keywords or None, second or None)):
                    if words is None:
                        free[slot] |= bit
                    for word in words or ():
                        needs.setdefault(word, [0, 0, 0])[slot] |= bit
        self.width = len(self.patterns)
        self.needs = {word: self._packed(slots) for word, slots in needs.items()}
        self.free = self._packed(free)
        self.one_set = (1 << self.width) - 1  # the bits of one of the three
        # every word a rule looks for (anchor, keyword or second word): the rules read only these of a text's words
        self.vocabulary = frozenset(self.needs)

    def _packed(self, slots: Sequence[int]) -> int:
        """The bits of the three needs (anchors, keywords, second words) side by side in one integer."""
        anchors, keywords, seconds = slots
        return anchors | keywords << self.width | seconds << 2 * self.width

    def evidence(self, text: str) -> CareEvidence:
        """What the rules find in `text`: complaints, then sarcasm next to one, else praise or a plain question."""
        return self.evidence_in(lowercase(text))

    def evidence_in(self, lowered: str, words: Iterable[str] | None = None) -> CareEvidence:
        """RuleBook.evidence of a text already passed through `lowercase` (and its `words_of` or `word_list`,
        when known: all of them or only those in `vocabulary`, the same verdict)."""
        candidates = self._candidates(words if words is not None else word_list(lowered))
        groups = self.groups
        fired = self._found(lowered, candidates & groups["complaint"])
        if fired:
            fired += self._found(lowered, candidates & groups["sarcasm"])
            return CareEvidence(sum(r.weight for r in fired), tuple(r.name for r in fired), complaint=True)
        found = self._found(lowered, candidates & groups["other"])
        if not found:
            return NO_EVIDENCE
        praise = [r for r in found if r.kind == "praise"]
        question = next((r for r in found if r.kind == "question"), None)
        names = tuple(r.name for r in praise) + ((question.name,) if question else ())
        return CareEvidence(sum(r.weight for r in praise), names, question_damping=question.weight if question else 0.0)

    def _candidates(self, words: Iterable[str]) -> int:
        """The patterns (as bits) whose anchor, keyword and second-word needs the words meet."""
        met = self.free
        needs = self.needs.get
        for word in words:
            need = needs(word)
            if need is not None:
                met |= need
        width = self.width
        return met & met >> width & met >> 2 * width & self.one_set

    def _fired(self, lowered: str, words: Iterable[str], group: str) -> list[CareRule]:
        """The rules of a group of kinds with a pattern found in the text whose words it has, in file order."""
        return self._found(lowered, self._candidates(words) & self.groups[group])

    def _found(self, lowered: str, candidates: int) -> list[CareRule]:
        """The rules with one of the candidate patterns found in the text, in file order."""
        if not candidates:
            return []
        fired: list[int] = []
        patterns, of_rule = self.patterns, self.of_rule
        while candidates:
            lowest = candidates & -candidates
            rule_index, pattern, looser = patterns[lowest.bit_length() - 1]
            if (looser is None or looser.search(lowered)) and pattern.search(lowered):
                fired.append(rule_index)
                candidates &= ~of_rule[rule_index]  # the rule's other patterns need no search
            else:
                candidates ^= lowest
        rules = self.rules
        return [rules[i] for i in fired]  # bits run in file order


def care_evidence(text: str, rules: Sequence[CareRule]) -> CareEvidence:
    """What the rules find in `text` (RuleBook.evidence; CareLayer keeps one book rather than one per text)."""
    return RuleBook(rules).evidence(text)


def combine(base: float, evidence: CareEvidence) -> float:
    """The lexicon compound moved by the evidence; positive wording next to a complaint counts little."""
    if evidence.complaint and base > 0:
        base *= POSITIVE_DISCOUNT
    elif evidence.question_damping:
        base = max(0.0, abs(base) - evidence.question_damping) * (1 if base > 0 else -1)
    return max(-1.0, min(1.0, round(base + evidence.shift, 4)))


class CareLayer:
    """Wraps a backend: its score, moved by the customer-care rules."""

    def __init__(self, inner: Backend, rules: Sequence[CareRule] | None = None, use_model: bool = True) -> None:
        if isinstance(inner, VaderBackend):  # VADER reads "please" and "help" as praise; here they only ask
            inner = inner.without_words(shipped_request_words()).with_spellings(shipped_spellings())
        self.inner, self.rules = inner, tuple(rules if rules is not None else shipped_rules())
        self.book = RuleBook(self.rules)
        self.names = shipped_names() if isinstance(inner, VaderBackend) else NamePraise(())
        self.model = care_model("en") if use_model else None
        self.name = f"{inner.name}+care"
        self.version = f"{inner.version}+care-{CARE_VERSION}" + (f"+{self.model.version}" if self.model else "")
        self.languages = inner.languages

    def score(self, text: str) -> BackendScore:
        """The inner score, moved by the rules that fire, then by the model where it reads a complaint."""
        inner, lowered, tokens, evidence, compound = self._read(text)
        if self.model is not None and model_may_move(compound) and not evidence.reassures:  # only where it may act
            inputs = CareInputs(lowered, tokens, inner, compound, evidence.complaint, evidence.shift)
            compound = with_care_model(compound, self.model.margin(inputs), least_margin(tokens))
        return inner if compound == inner.compound else BackendScore(compound, inner.pos, inner.neu, inner.neg)

    def inputs(self, text: str) -> CareInputs:
        """The inner score, what the rules find and the words: what the model reads of one text."""
        inner, lowered, tokens, evidence, compound = self._read(text)
        return CareInputs(lowered, tokens, inner, compound, evidence.complaint, evidence.shift)

    def _read(self, text: str) -> tuple[BackendScore, str, list[str], CareEvidence, float]:
        """The inner score (of the text with praise words taken out of names), the lower-cased text and its words,
        the rules' evidence and the compound after it."""
        lowered = lowercase(text)
        tokens = word_list(lowered)
        inner = self.inner.score(self.names.without_praise(text, tokens))
        evidence = self.book.evidence_in(lowered, tokens)
        return inner, lowered, tokens, evidence, \
            inner.compound if evidence is NO_EVIDENCE else combine(inner.compound, evidence)

    def features(self, text: str) -> dict[str, float]:
        """The model's inputs for one text (what bench/sentiment_train_care.py trains the model on)."""
        return care_features(self.inputs(text))

    def score_many(self, texts: Sequence[str]) -> list[BackendScore]:
        """One score per text."""
        return [self.score(text) for text in texts]
