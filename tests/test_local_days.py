"""LocalDays gives every moment the local day local_day gives it, across DST changes and in any order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from listener.index.sql import LocalDays
from scoring.signals import local_day

# Midnight DST changes (Sao Paulo 2018, Havana), half-hour ones (Lord Howe), 45-minute offsets (Chatham,
# Kathmandu), a skipped day (Apia 2011) and the usual European ones.
ZONES = ("America/Sao_Paulo", "America/Havana", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu",
         "Pacific/Apia", "Europe/Amsterdam", "UTC")


BUCKET_SECONDS = 900  # moments 15 minutes apart, and either side of each day change


def _at(bucket: int) -> datetime:
    return datetime.fromtimestamp(bucket * BUCKET_SECONDS, UTC)


def _bucket(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, tzinfo=UTC).timestamp()) // BUCKET_SECONDS


@pytest.mark.parametrize("name", ZONES)
def test_every_bucket_gets_its_day(name: str) -> None:
    zone = ZoneInfo(name)
    spans = ((_bucket(2011, 12, 25), _bucket(2012, 1, 3)), (_bucket(2018, 2, 10), _bucket(2018, 2, 22)),
             (_bucket(2018, 10, 30), _bucket(2018, 11, 8)))
    buckets = [b for first, end in spans for b in range(first, end)]
    shuffled = random.Random(7).sample(buckets, len(buckets))
    for order in (buckets, shuffled):
        day_of = LocalDays(zone)
        assert [day_of(_at(b)) for b in order] == [local_day(_at(b), zone) for b in order]
    edges = buckets[::5] + [b for b in buckets if local_day(_at(b), zone) != local_day(_at(b - 1), zone)]
    moments = sorted(_at(b) + timedelta(microseconds=shift)
                     for b in edges for shift in (-1, 0, 1))
    day_of_moment = LocalDays(zone)
    assert [day_of_moment(m) for m in moments] == [local_day(m, zone) for m in moments]


@pytest.fixture
def local_day_calls(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The moments LocalDays asks `local_day` about."""
    calls: list[datetime] = []

    def counted(moment: datetime, zone: ZoneInfo) -> object:
        calls.append(moment)
        return local_day(moment, zone)

    monkeypatch.setattr("listener.index.sql.local_day", counted)
    return calls


def test_runs_are_remembered(local_day_calls: list[datetime]) -> None:
    day_of = LocalDays(ZoneInfo("Europe/Amsterdam"))
    days = {day_of(_at(b)) for b in range(_bucket(2024, 3, 1), _bucket(2024, 3, 11))}
    assert len(days) == 11 and len(local_day_calls) <= 3 * 11


def test_spans_are_remembered_in_any_order(local_day_calls: list[datetime]) -> None:
    zone = ZoneInfo("Europe/Amsterdam")
    day_of = LocalDays(zone)
    buckets = random.Random(3).sample(range(_bucket(2024, 3, 1), _bucket(2024, 3, 11)), 960)
    days = [day_of(_at(b)) for b in buckets]
    assert len(local_day_calls) <= 3 * 11  # each day's span found once
    assert days == [local_day(_at(b), zone) for b in buckets]
