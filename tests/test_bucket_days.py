"""BucketDays gives every 15-minute bucket the local day bucket_day gives it, across DST changes and in any order."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from listener.index.sql import BUCKET_SECONDS, BucketDays, bucket_day

# Midnight DST changes (Sao Paulo 2018, Havana), half-hour ones (Lord Howe), 45-minute offsets (Chatham,
# Kathmandu), a skipped day (Apia 2011) and the usual European ones.
ZONES = ("America/Sao_Paulo", "America/Havana", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu",
         "Pacific/Apia", "Europe/Amsterdam", "UTC")


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
        day_of = BucketDays(zone)
        assert [day_of(b) for b in order] == [bucket_day(b, zone) for b in order]


def test_runs_are_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def counted(bucket: int, zone: ZoneInfo) -> object:
        calls.append(bucket)
        return bucket_day(bucket, zone)

    monkeypatch.setattr("listener.index.sql.bucket_day", counted)
    day_of = BucketDays(ZoneInfo("Europe/Amsterdam"))
    days = {day_of(b) for b in range(_bucket(2024, 3, 1), _bucket(2024, 3, 11))}
    assert len(days) == 11 and len(calls) <= 2 * 11
