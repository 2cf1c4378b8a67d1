"""`[profiles.exports]` settings and ISO weeks in a profile's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from listener.config.exports import EXPORT_FORMATS, ExportsConfig
from listener.config.settings import ConfigError, load_config
from listener.daemon.scheduling import export_trigger
from listener.exports import IsoWeek, WeekError

BERLIN = ZoneInfo("Europe/Berlin")
EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"
PROFILE = '[[profiles]]\nname = "acme"\ntimezone = "Europe/Berlin"\n'


def load(tmp_path: Path, exports: str) -> ExportsConfig:
    path = tmp_path / "ror.toml"
    path.write_text(PROFILE + "[profiles.exports]\n" + exports, encoding="utf-8")
    return load_config(path).profiles[0].exports


def test_defaults_write_every_format_on_monday_morning_next_to_the_config(tmp_path: Path) -> None:
    exports = load(tmp_path, "")
    assert exports.formats == list(EXPORT_FORMATS) and exports.enabled and exports.email_channel is None
    assert exports.directory(tmp_path / "ror.toml") == (tmp_path / "exports").resolve()
    trigger, _ = export_trigger(load_config(tmp_path / "ror.toml").profiles[0])  # type: ignore[misc]
    first = trigger.get_next_fire_time(None, datetime(2026, 10, 21, 12, tzinfo=UTC))
    assert first == datetime(2026, 10, 26, 8, tzinfo=BERLIN)  # Monday 08:00 in Berlin, after the DST change


def test_the_example_config_documents_every_exports_key() -> None:
    text = EXAMPLE.read_text()
    section = text.split("# ---- profile exports ----")[1].split("# ----")[0]
    for key in ExportsConfig.model_fields:
        assert f"\n{key} =" in section or f"# {key} =" in section, key
    assert load_config(EXAMPLE).profiles[0].exports == ExportsConfig()


@pytest.mark.parametrize(("exports", "expected"), [
    ('formats = ["pdf"]', "profiles[0].exports.formats[0] = 'pdf': Input should be 'csv', 'json', 'md' or 'html'"),
    ('formats = ["csv", "csv"]', "format 'csv' is listed twice"),
    ("formats = []", "profiles[0].exports.formats = []: List should have at least 1 item"),
    ('cron = "every monday"', "profiles[0].exports.cron = 'every monday': expected a 5-field crontab"),
    ('cron = "0 25 * * 1"', "expected a 5-field crontab such as '0 8 * * 1'"),
    ("top_items = 0", "profiles[0].exports.top_items = 0: Input should be greater than or equal to 1"),
    ('email_to = ["team at acme"]', "'team at acme' is not an e-mail address"),
    ("outpt_dir = 'x'", "profiles[0].exports.outpt_dir: unknown key"),
])
def test_bad_exports_settings_name_the_key(tmp_path: Path, exports: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, exports)
    assert expected in str(caught.value)


def test_an_absolute_output_dir_is_kept(tmp_path: Path) -> None:
    exports = load(tmp_path, f'output_dir = "{tmp_path / "out"}"')
    assert exports.directory(Path("elsewhere/ror.toml")) == tmp_path / "out"


@pytest.mark.parametrize(("text", "week"), [("2026-W47", (2026, 47)), ("2026w01", (2026, 1)),
                                            (" 2020-W53 ", (2020, 53))])
def test_parse_iso_week(text: str, week: tuple[int, int]) -> None:
    assert IsoWeek.parse(text) == IsoWeek(*week)


@pytest.mark.parametrize(("text", "message"), [
    ("2026-47", "expected YYYY-Www"), ("last week", "expected YYYY-Www"), ("2025-W53", "2025 has no ISO week 53"),
    ("2026-W00", "has no ISO week 0"),
])
def test_bad_weeks_say_what_is_expected(text: str, message: str) -> None:
    with pytest.raises(WeekError, match=message):
        IsoWeek.parse(text)


def test_iso_weeks_cross_the_year() -> None:
    assert IsoWeek.of(date(2027, 1, 1)) == IsoWeek(2026, 53)  # Friday 1 Jan 2027 is in 2026's week 53
    assert IsoWeek(2027, 1).previous() == IsoWeek(2026, 53)
    assert IsoWeek(2026, 53).sunday == date(2027, 1, 3)


@pytest.mark.parametrize(("now", "expected"), [
    (datetime(2026, 10, 25, 22, 59, tzinfo=UTC), IsoWeek(2026, 42)),  # Sun 23:59 CET: W43 not over yet
    (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), IsoWeek(2026, 43)),  # Mon 00:00 CET: W43 is complete
    (datetime(2026, 10, 26, 7, 0, tzinfo=UTC), IsoWeek(2026, 43)),
])
def test_last_complete_week_is_cut_at_the_profiles_midnight(now: datetime, expected: IsoWeek) -> None:
    assert IsoWeek.last_complete(now, BERLIN) == expected
    assert IsoWeek.last_complete(now, ZoneInfo("UTC")) == (IsoWeek(2026, 43) if now.day == 26 else IsoWeek(2026, 42))


def test_week_bounds_across_both_dst_changes() -> None:
    autumn_start, autumn_end = IsoWeek(2026, 43).bounds(BERLIN)
    assert autumn_end.astimezone(UTC) - autumn_start.astimezone(UTC) == timedelta(hours=169)
    spring_start, spring_end = IsoWeek(2026, 13).bounds(BERLIN)  # clocks go forward on Sun 29 Mar
    assert spring_end.astimezone(UTC) - spring_start.astimezone(UTC) == timedelta(hours=167)
    assert spring_start.astimezone(UTC) == datetime(2026, 3, 22, 23, tzinfo=UTC)
