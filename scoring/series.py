"""The formula: a profile's per-day facts in, its daily components, index and running index out (pure)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from scoring.index import (
    COMPONENTS,
    daily_index,
    ewma_step,
    nps_component,
    relative_component,
    sentiment_component,
    share_component,
)
from scoring.signals import NpsCounts, TrailingBaselines, followers_by_day, shrink_nps, shrink_share

# Where each shrunk signal's running value starts: neutral, so early days are pulled to the middle.
INITIAL_PRIORS = {"sentiment": 0.0, "loyalty": 0.5, "responsiveness": 0.5, "nps": 0.0, "return_rate": 0.5}


@dataclass(frozen=True)
class FormulaParams:
    """Everything the formula needs besides the facts (built from the profile's [index] config)."""

    weights: Mapping[str, float]
    half_life_days: float = 7.0
    baseline_days: int = 28
    baseline_min_days: int = 7
    sentiment_pseudo_count: float = 10.0
    engagement_pseudo_count: float = 0.0
    advocacy_pseudo_count: float = 0.0
    loyalty_pseudo_count: float = 10.0
    responsiveness_pseudo_count: float = 5.0
    nps_pseudo_count: float = 10.0
    return_rate_pseudo_count: float = 10.0
    loyalty_window_days: int = 28
    nps_window_days: int = 90


@dataclass
class DayFacts:
    """One local day's counts (see listener.storage.index_models.IndexDayRow for each field)."""

    day: date
    inbound: int = 0
    owned: int = 0
    positive: int = 0
    negative: int = 0
    neutral: int = 0
    scored: int = 0
    compound_sum: float = 0.0
    unsupported: dict[str, int] = field(default_factory=dict)
    positive_mentions: int = 0
    likes: float = 0.0
    shares: float = 0.0
    replies: float = 0.0
    quotes: float = 0.0
    posts: int = 0
    posts_48h: int = 0
    post_engagement_48h: float | None = None
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    stars_sum: float = 0.0
    answered_in_time: int = 0
    answered_late: int = 0
    unanswered: int = 0
    reply_seconds_median: float | None = None
    engagers: int = 0
    returning_engagers: int = 0
    new_engagers: int = 0
    helped_delta: int = 0
    returned_delta: int = 0

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> DayFacts:
        """From a database row (extra keys ignored, NULL JSON as empty); a missing fact is an error, not a 0."""
        missing = [name for name in FACT_FIELDS if name not in row]
        if missing:
            raise KeyError(f"day facts row lacks {', '.join(missing)}")
        values = {name: row[name] for name in FACT_FIELDS}
        values["unsupported"] = dict(values.get("unsupported") or {})
        return cls(**values)

    @property
    def engagement(self) -> float:
        """Likes + shares + replies + quotes gained by owned items that day."""
        return self.likes + self.shares + self.replies + self.quotes

    @property
    def advocacy(self) -> float:
        """Shares and quotes of owned items plus positive mentions by others."""
        return self.shares + self.quotes + self.positive_mentions


FACT_FIELDS = tuple(f.name for f in fields(DayFacts))  # a stored day's columns, read once per update


@dataclass(frozen=True)
class SeriesInputs:
    """A profile's facts by day, follower history, and the days to compute."""

    facts: Mapping[date, DayFacts]
    followers: Mapping[date, int]
    first_day: date
    today: date
    provisional_from: date
    pending: int = 0
    # Components computed outside the day walk (scoring.relationship_index), by day; merged into each point.
    extra: Mapping[date, Mapping[str, dict[str, Any]]] = field(default_factory=dict)
    resume: Resume | None = None  # compute only from resume.day on, carrying on from the stored day before


@dataclass(frozen=True)
class Resume:
    """Where the day walk picks up: the first day to compute and what the walk carried past the day before."""

    day: date
    priors: Mapping[str, float]
    running: float | None
    last_index_day: date | None


def priors_after(components: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """The shrunk signals' running values after a stored day: its shrunk value, else the prior it kept."""
    shrunk_key = {"sentiment": "net_shrunk", "nps": "nps_shrunk"}
    priors = {}
    for name in INITIAL_PRIORS:
        part = components[name]
        value = part[shrunk_key.get(name, "shrunk")]
        priors[name] = part["prior"] if value is None else value
    return priors


def days_between(first: date, last: date) -> Iterator[date]:
    """Every day from first to last, inclusive."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def shrink_count(count: float, base: float, pseudo_count: float) -> float:
    """A day's count pulled towards the baseline count by `pseudo_count` imaginary events.

    Gamma-Poisson: with a prior of k events at the baseline's rate, x' = b (x + k) / (b + k);
    a quiet profile (b small) hardly moves on one share, a busy one follows its data.
    """
    if pseudo_count <= 0 or base <= 0:
        return count
    return base * (count + pseudo_count) / (base + pseudo_count)


class _Formula:
    """Walks the days in order, carrying each shrunk signal's running value and the EWMA."""

    def __init__(self, inputs: SeriesInputs, params: FormulaParams) -> None:
        self.inputs, self.params = inputs, params
        self.priors = dict(inputs.resume.priors if inputs.resume else INITIAL_PRIORS)
        self.days = list(days_between(inputs.first_day, inputs.today))
        self.facts = {d: inputs.facts.get(d) or DayFacts(d) for d in self.days}
        self.followers = followers_by_day(self.days, inputs.followers)
        self.rates = {d: f.engagement / followers for d, f in self.facts.items()
                      if f.engagement > 0 and (followers := self.followers[d])}
        self.advocacy_values = {d: f.advocacy for d, f in self.facts.items()}
        window, enough = params.baseline_days, params.baseline_min_days
        self.rate_baselines = TrailingBaselines(self.rates, window, enough)
        self.advocacy_baselines = TrailingBaselines(self.advocacy_values, window, enough)
        self.cumulative = self._cumulative_return_counts()
        self.reviews = self._cumulative_reviews()

    def _cumulative_return_counts(self) -> dict[date, tuple[int, int]]:
        helped = returned = 0
        for day in sorted(d for d in self.inputs.facts if d < self.inputs.first_day):
            helped += self.inputs.facts[day].helped_delta
            returned += self.inputs.facts[day].returned_delta
        totals = {}
        for day in self.days:
            helped += self.facts[day].helped_delta
            returned += self.facts[day].returned_delta
            totals[day] = (helped, returned)
        return totals

    def _cumulative_reviews(self) -> dict[date, tuple[int, int, int, float]]:
        """Running totals of promoters, passives, detractors and stars, for window sums."""
        totals, running = {}, (0, 0, 0, 0.0)
        for day in self.days:
            f = self.facts[day]
            running = (running[0] + f.promoters, running[1] + f.passives, running[2] + f.detractors,
                       running[3] + f.stars_sum)
            totals[day] = running
        return totals

    def _shrunk(self, name: str, successes: float, trials: float, pseudo: float) -> dict[str, Any]:
        prior = self.priors[name]
        shrunk = shrink_share(successes, trials, prior, pseudo)
        if shrunk is not None:
            self.priors[name] = shrunk
        return {"score": share_component(shrunk) if shrunk is not None else None,
                "share": successes / trials if trials else None, "shrunk": shrunk, "prior": prior}

    def sentiment(self, f: DayFacts) -> dict[str, Any]:
        prior, polar = self.priors["sentiment"], f.positive + f.negative
        net = (f.positive - f.negative) / polar if polar else None
        shrunk = (f.positive - f.negative + self.params.sentiment_pseudo_count * prior) / \
                 (polar + self.params.sentiment_pseudo_count) if polar else None
        if shrunk is not None:
            self.priors["sentiment"] = shrunk
        return {"score": sentiment_component(shrunk) if shrunk is not None else None, "net": net,
                "net_shrunk": shrunk, "prior": prior, "positive": f.positive, "negative": f.negative,
                "neutral": f.neutral, "mean_compound": f.compound_sum / f.scored if f.scored else None,
                "unsupported_language": dict(f.unsupported)}

    def engagement(self, f: DayFacts) -> dict[str, Any]:
        day, followers = f.day, self.followers[f.day]
        rate, base = self.rates.get(day), self.rate_baselines.at(day)
        shrunk = score = None
        if rate is not None and base is not None and followers:
            count = shrink_count(f.engagement, base * followers, self.params.engagement_pseudo_count)
            shrunk = count / followers
            score = relative_component(shrunk, base)
        post_rate = f.post_engagement_48h / followers if f.post_engagement_48h is not None and followers else None
        return {"score": score, "rate": rate, "rate_shrunk": shrunk, "baseline": base,
                "engagement": round(f.engagement, 3), "followers": followers,
                "likes": round(f.likes, 3), "shares": round(f.shares, 3), "replies": round(f.replies, 3),
                "quotes": round(f.quotes, 3), "posts": f.posts, "post_rate_48h": post_rate}

    def advocacy(self, f: DayFacts) -> dict[str, Any]:
        base = self.advocacy_baselines.at(f.day)
        value = f.advocacy
        shrunk = shrink_count(value, base, self.params.advocacy_pseudo_count) if base is not None else None
        score = relative_component(shrunk, base) if shrunk is not None and base is not None else None
        return {"score": score, "value": round(value, 3), "value_shrunk": shrunk, "baseline": base,
                "shares": round(f.shares, 3), "quotes": round(f.quotes, 3),
                "positive_mentions": f.positive_mentions}

    def loyalty(self, f: DayFacts) -> dict[str, Any]:
        warm = (f.day - self.inputs.first_day).days >= self.params.loyalty_window_days
        trials = f.engagers if warm else 0
        part = self._shrunk("loyalty", f.returning_engagers, trials, self.params.loyalty_pseudo_count)
        return {**part, "engagers": f.engagers, "returning": f.returning_engagers, "new": f.new_engagers,
                "window_days": self.params.loyalty_window_days, "warming_up": not warm}

    def responsiveness(self, f: DayFacts) -> dict[str, Any]:
        closed = f.answered_in_time + f.answered_late + f.unanswered
        part = self._shrunk("responsiveness", f.answered_in_time, closed, self.params.responsiveness_pseudo_count)
        median = f.reply_seconds_median / 60.0 if f.reply_seconds_median is not None else None
        return {**part, "closed": closed, "in_time": f.answered_in_time, "late": f.answered_late,
                "unanswered": f.unanswered, "pending": self.inputs.pending if f.day == self.inputs.today else 0,
                "median_reply_minutes": median}

    def nps(self, f: DayFacts) -> dict[str, Any]:
        now = self.reviews[f.day]
        before = self.reviews.get(f.day - timedelta(days=self.params.nps_window_days), (0, 0, 0, 0.0))
        counts = NpsCounts(now[0] - before[0], now[1] - before[1], now[2] - before[2])
        stars = now[3] - before[3]
        prior = self.priors["nps"]
        shrunk = shrink_nps(counts, prior, self.params.nps_pseudo_count)
        if shrunk is not None:
            self.priors["nps"] = shrunk
        return {"score": nps_component(shrunk) if shrunk is not None else None, "nps": counts.nps,
                "nps_shrunk": shrunk, "prior": prior, "reviews": counts.total, "promoters": counts.promoters,
                "passives": counts.passives, "detractors": counts.detractors,
                "average_stars": stars / counts.total if counts.total else None,
                "new_reviews": f.promoters + f.passives + f.detractors, "window_days": self.params.nps_window_days}

    def return_rate(self, f: DayFacts) -> dict[str, Any]:
        helped, returned = self.cumulative[f.day]
        part = self._shrunk("return_rate", returned, helped, self.params.return_rate_pseudo_count)
        return {**part, "helped": helped, "returned": returned}

    def points(self) -> list[dict[str, Any]]:
        """One point per day: components, daily index with coverage, running index, provisional."""
        resume = self.inputs.resume
        points, running, last_day = [], resume.running if resume else None, resume.last_index_day if resume else None
        for day in self.days[(resume.day - self.inputs.first_day).days if resume else 0:]:
            f = self.facts[day]
            components = {name: getattr(self, name)(f) for name in COMPONENTS}
            components.update(self.inputs.extra.get(day, {}))
            result = daily_index({k: v["score"] for k, v in components.items()}, self.params.weights)
            if result.value is not None:
                days_since = (day - last_day).days if last_day else 1
                running = ewma_step(running, result.value, days_since, self.params.half_life_days)
                last_day = day
            points.append({"day": day, "components": components, "coverage": result.coverage,
                           "used_components": list(result.used), "daily_index": result.value,
                           "running_index": running, "provisional": day >= self.inputs.provisional_from})
        return points


def compute_series(inputs: SeriesInputs, params: FormulaParams) -> list[dict[str, Any]]:
    """Every day's point from the first day with data (or the resume day) to today, oldest first."""
    if inputs.first_day > inputs.today:
        return []
    return _Formula(inputs, params).points()

