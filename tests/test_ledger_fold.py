"""Folding later touches into a stored ledger gives exactly the ledger of the whole history."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scoring.ledger import BrandReply, PersonDay, Touch, exact_units, units_value
from scoring.ledger_fold import PersonLedger, StoredPerson, Windows, compute_ledger, fold_ledger

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 1, tzinfo=UTC)
WINDOWS = Windows(loyalty=3, returns=10)


def _history(rng: random.Random, count: int) -> tuple[list[Touch], list[BrandReply]]:
    """Touches over 40 days in a few threads (some at equal times), and brand replies to some."""
    touches, replies = [], []
    for _ in range(count):
        at = START + timedelta(minutes=rng.randrange(40 * 24 * 60) // 30 * 30)
        thread = f"t{rng.randrange(4)}"
        if rng.random() < 0.3:
            touches.append(Touch(at, "event", rng.choice(("like", "share")), thread))
            continue
        compound = None if rng.random() < 0.2 else round(rng.uniform(-1, 1), 4)
        touches.append(Touch(at, "item", rng.choice(("reply", "mention", "share")), thread, compound))
        if rng.random() < 0.3:
            reply_at = at + timedelta(hours=rng.randrange(1, 60))
            replies.append(BrandReply(thread, at, reply_at, (reply_at - at).total_seconds()))
    return touches, replies


def _stored(ledger: PersonLedger) -> StoredPerson:
    return StoredPerson(ledger.summary, ledger.days[-1], ledger.spans, ledger.state)


def _merged_days(before: list[PersonDay], changed: list[PersonDay]) -> list[PersonDay]:
    days = {d.day: d for d in before} | {d.day: d for d in changed}
    return [days[day] for day in sorted(days)]


@pytest.mark.parametrize("seed", range(60))
def test_folding_later_touches_equals_computing_the_whole_history(seed: int) -> None:
    rng = random.Random(seed)
    touches, replies = _history(rng, rng.randrange(2, 40))
    cut = sorted(t.at for t in touches)[rng.randrange(len(touches))]
    early = [t for t in touches if t.at <= cut]
    early_replies = [r for r in replies if r.reply_at < cut]
    late_replies = [r for r in replies if r.reply_at >= cut]
    stored = _stored(compute_ledger(early, early_replies, BERLIN, WINDOWS))
    late = [t for t in touches if t.at > cut]
    assert stored.can_fold(late, late_replies)
    folded = fold_ledger(stored, late, late_replies, BERLIN, WINDOWS)
    whole = compute_ledger(touches, replies, BERLIN, WINDOWS)
    assert folded.summary == whole.summary
    assert folded.spans == whole.spans and folded.state == whole.state
    assert _merged_days(compute_ledger(early, early_replies, BERLIN, WINDOWS).days, folded.days) == whole.days


def test_a_touch_at_or_before_the_last_one_cannot_be_folded() -> None:
    touches, replies = _history(random.Random(1), 10)
    stored = _stored(compute_ledger(touches, replies, BERLIN, WINDOWS))
    last = stored.summary.last_seen_at
    assert not stored.can_fold([Touch(last, "event", "like", "t9")], [])
    assert not stored.can_fold([], [BrandReply("t1", last, last - timedelta(seconds=1), 1.0)])
    assert stored.can_fold([Touch(last + timedelta(seconds=1), "event", "like", "t9")], [])


def test_exact_units_sum_without_rounding_error() -> None:
    values = [0.1] * 10 + [1e16, -1e16]
    assert units_value(sum(exact_units(v) for v in values)) == 1.0
    assert sum(values) != 1.0


def test_a_reply_never_returned_from_stays_open_until_the_person_comes_back() -> None:
    day = datetime(2026, 3, 2, 9, tzinfo=UTC)
    reply = BrandReply("t1", day, day + timedelta(hours=1), 3600.0)
    ledger = compute_ledger([Touch(day, "item", "reply", "t1", 0.5)], [reply], BERLIN, WINDOWS)
    assert [r.reply_at for r in ledger.state.open_replies] == [reply.reply_at]
    back = Touch(day + timedelta(days=30), "event", "like", "t2")
    folded = fold_ledger(_stored(ledger), [back], [], BERLIN, WINDOWS)
    assert folded.summary.returned_at == back.at and folded.state.open_replies == ()
    assert [d.day for d in folded.days] == [date(2026, 4, 1)] and not folded.days[0].returning
