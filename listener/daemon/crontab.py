"""A standard 5-field crontab line as an APScheduler trigger (the config checks its lines with it too).

Kept apart from the scheduler so that validating a config loads the cron trigger only, not the
scheduler, its executors and job stores.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbering: 0 and 7 are Sunday


def crontab_trigger(cron: str, timezone: str) -> CronTrigger:
    """A trigger for a standard 5-field crontab line (day of week 0 or 7 = Sunday, 1 = Monday).

    APScheduler 3.x reads a numeric day of week with Monday = 0, so `0 8 * * 1` would fire
    on Tuesdays; numbers are translated to day names first.
    """
    minute, hour, day, month, weekday = cron.split()
    return CronTrigger.from_crontab(f"{minute} {hour} {day} {month} {cron_weekdays(weekday)}",
                                    timezone=ZoneInfo(timezone))


def cron_weekdays(field: str) -> str:
    """A crontab day-of-week field as APScheduler day names: '1-5' -> 'mon,tue,wed,thu,fri'."""
    if field == "*":
        return field
    days: list[str] = []
    for part in field.split(","):
        span, _, step = part.partition("/")
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            low, high = (_weekday_number(d) for d in span.split("-", 1))
        else:
            low = _weekday_number(span)
            high = 6 if step else low
        days.extend(WEEKDAYS[d % 7] for d in range(low, high + 1, int(step or 1)))
    return ",".join(dict.fromkeys(days))


def _weekday_number(token: str) -> int:
    token = token.strip().lower()
    return int(token) if token.isdigit() else WEEKDAYS.index(token[:3])
