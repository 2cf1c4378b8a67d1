"""One person's ledger: active days in the profile's time zone, returning flags, return-rate spans, summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scoring.ledger import (
    BrandReply,
    PersonDay,
    Span,
    Touch,
    merge_intervals,
    person_days,
    return_spans,
    summarise_person,
)

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def item(at: datetime, compound: float | None = None, thread: str = "t1", kind: str = "reply") -> Touch:
    return Touch(at, "item", kind, thread, compound)


def like(at: datetime, thread: str = "post1") -> Touch:
    return Touch(at, "event", "like", thread)


def test_no_touches_no_days() -> None:
    assert person_days([], BERLIN, 28) == []


def test_a_single_touch_is_a_first_day() -> None:
    assert person_days([item(utc(2026, 11, 18, 9), 0.4)], BERLIN, 28) == [
        PersonDay(date(2026, 11, 18), 1, 1, 0, 0, 0.4, returning=False, first=True)]


def test_days_are_cut_at_local_midnight_and_count_sentiment() -> None:
    touches = [
        item(utc(2026, 11, 17, 23, 30), 0.5),  # 00:30 in Berlin on the 18th
        item(utc(2026, 11, 18, 8), -0.2), item(utc(2026, 11, 18, 9), 0.01), like(utc(2026, 11, 18, 10)),
    ]
    assert person_days(touches, BERLIN, 28) == [
        PersonDay(date(2026, 11, 18), 4, 1, 1, 1, pytest.approx(0.31), returning=False, first=True)]


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (utc(2026, 3, 28, 22, 30), date(2026, 3, 28)),  # 23:30 CET
        (utc(2026, 3, 28, 23, 30), date(2026, 3, 29)),  # 00:30 CET, the day DST starts
        (utc(2026, 3, 29, 21, 30), date(2026, 3, 29)),  # 23:30 CEST: the 23-hour day still
        (utc(2026, 3, 29, 22, 30), date(2026, 3, 30)),  # 00:30 CEST
        (utc(2026, 10, 24, 22, 30), date(2026, 10, 25)),  # 00:30 CEST, the 25-hour day
        (utc(2026, 10, 25, 22, 30), date(2026, 10, 25)),  # 23:30 CET, same day
    ],
)
def test_active_day_across_dst_changes(moment: datetime, day: date) -> None:
    assert person_days([like(moment)], BERLIN, 28)[0].day == day


def test_returning_means_active_again_within_the_window() -> None:
    touches = [like(utc(2026, 11, 1, 12)), like(utc(2026, 11, 29, 12)), like(utc(2027, 1, 10, 12))]
    days = person_days(touches, BERLIN, 28)
    assert [(d.day, d.returning, d.first) for d in days] == [
        (date(2026, 11, 1), False, True),
        (date(2026, 11, 29), True, False),  # 28 days later: inside the window
        (date(2027, 1, 10), False, False),  # 42 days later: back, but not "returning"
    ]


def reply(at: datetime, thread: str = "t1", after: timedelta = timedelta(hours=2)) -> BrandReply:
    return BrandReply(thread, at - after, at, after.total_seconds())


def test_no_reply_no_return_spans() -> None:
    assert return_spans([item(utc(2026, 1, 10, 9))], [], BERLIN, 365) == []


def test_a_single_reply_without_return_is_helped_only() -> None:
    touches = [item(utc(2026, 1, 10, 9)), item(utc(2026, 1, 11, 9), thread="t1")]  # same conversation
    assert return_spans(touches, [reply(utc(2026, 1, 10, 12))], BERLIN, 365) == [
        Span("helped", date(2026, 1, 10), date(2027, 1, 9))]


def test_coming_back_elsewhere_counts_from_that_day_to_the_end_of_the_window() -> None:
    touches = [item(utc(2026, 1, 10, 9)), item(utc(2026, 1, 11, 9)), like(utc(2026, 1, 20, 9), thread="post9")]
    spans = return_spans(touches, [reply(utc(2026, 1, 10, 12)), reply(utc(2026, 6, 1, 12), thread="t2")], BERLIN, 365)
    assert spans == [Span("helped", date(2026, 1, 10), date(2027, 5, 31)),
                     Span("returned", date(2026, 1, 20), date(2027, 1, 9))]


def test_a_return_after_the_window_does_not_count() -> None:
    touches = [item(utc(2026, 1, 10, 9)), like(utc(2026, 1, 25, 9), thread="post9")]
    assert return_spans(touches, [reply(utc(2026, 1, 10, 12))], BERLIN, 10) == [
        Span("helped", date(2026, 1, 10), date(2026, 1, 19))]


def test_merge_intervals_joins_touching_days() -> None:
    d = date(2026, 1, 1)
    assert merge_intervals([(d, d + timedelta(days=2)), (d + timedelta(days=3), d + timedelta(days=4)),
                            (d + timedelta(days=9), d + timedelta(days=9))]) == [
        (d, d + timedelta(days=4)), (d + timedelta(days=9), d + timedelta(days=9))]


def test_summary_of_a_person() -> None:
    touches = [item(utc(2026, 1, 10, 9), 0.6, kind="mention"), item(utc(2026, 1, 10, 10), -0.4),
               like(utc(2026, 1, 20, 9), thread="post9"), Touch(utc(2026, 1, 21, 9), "event", "share", "post9"),
               Touch(utc(2026, 1, 22, 9), "item", "share", "t5")]
    summary = summarise_person(touches, [reply(utc(2026, 1, 10, 12), after=timedelta(hours=3)),
                                         reply(utc(2026, 1, 11, 12), after=timedelta(hours=1))], BERLIN)
    assert (summary.first_seen_at, summary.last_seen_at) == (utc(2026, 1, 10, 9), utc(2026, 1, 22, 9))
    assert (summary.active_days, summary.interactions, summary.items, summary.likes, summary.shares,
            summary.mentions) == (4, 5, 3, 1, 2, 1)
    assert (summary.positive, summary.negative, summary.neutral) == (1, 1, 0)
    assert summary.mean_compound == pytest.approx(0.1)
    assert summary.replies_received == 2 and summary.reply_seconds_median == 2 * 3600
    assert summary.returning and summary.helped_at == utc(2026, 1, 10, 12)
    assert summary.returned_at == utc(2026, 1, 20, 9)


def test_a_person_day_is_written_column_for_field() -> None:
    from listener.ledger.update import DAY_ROW

    columns = [c.removeprefix("is_") for c in DAY_ROW[3:]]
    assert columns == list(PersonDay._fields)
