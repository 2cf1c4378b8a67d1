"""attribute_growths gives each counter exactly what attribute_growth gives it alone."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from scoring.signals import CounterObservation, attribute_growth, attribute_growths

BERLIN = ZoneInfo("Europe/Berlin")


def test_several_counters_grow_as_each_alone() -> None:
    chance = random.Random(3)
    created = datetime(2026, 10, 23, 21, 17, tzinfo=UTC)
    for _ in range(50):  # snapshots out of order, some at one moment, counters that stand still or drop
        times = [created + timedelta(minutes=chance.randrange(0, 6000)) for _ in range(chance.randrange(0, 6))]
        observations = [(at, [chance.randrange(0, 40) for _ in range(4)]) for at in times]
        together = attribute_growths(created, observations, 4, BERLIN)
        alone = [attribute_growth(created, [CounterObservation(at, counts[k]) for at, counts in observations], BERLIN)
                 for k in range(4)]
        assert [list(g.items()) for g in together] == [list(g.items()) for g in alone]  # values and day order


def test_one_snapshot_puts_every_count_on_the_local_day_the_item_was_made() -> None:
    created = datetime(2026, 10, 23, 22, 30, tzinfo=UTC)  # already the 24th in Berlin
    later = created + timedelta(days=3)
    gained = attribute_growths(created, [(later, [5, 0, 2, 1])], 4, BERLIN)
    day = datetime(2026, 10, 24).date()
    assert gained == [{day: 5.0}, {day: 0.0}, {day: 2.0}, {day: 1.0}]
    assert all(type(value) is float for growth in gained for value in growth.values())
    assert gained == attribute_growths(created, [(later, [5, 0, 2, 1]), (later, [5, 0, 2, 1])], 4, BERLIN)
