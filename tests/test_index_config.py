"""The [profiles.index] table: every key documented, bad values rejected with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from listener.config.settings import ConfigError, IndexConfig, load_config

BASE = """
[[profiles]]
name = "acme"
timezone = "Europe/Berlin"

[profiles.index]
{index}
"""


def error_for(tmp_path: Path, index: str) -> str:
    path = tmp_path / "ror.toml"
    path.write_text(BASE.format(index=index), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


def test_example_config_documents_every_index_key() -> None:
    text = (Path(__file__).resolve().parent.parent / "config.example.toml").read_text()
    for key in IndexConfig.model_fields:
        assert f"{key} =" in text or f"# {key} =" in text or f"[profiles.index.{key}]" in text, key


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        ("[profiles.index.weights]\nsentiment = 0\nnps = 0", "weights must not sum to zero"),
        ("[profiles.index.weights]\nsentiment = -1\nnps = 2", "weights must be >= 0"),
        ("[profiles.index.weights]\nhappiness = 1", "unknown component 'happiness'"),
        ('business_hours = "9-5"', "profiles[0].index.business_hours = '9-5': String should match pattern"),
        ('business_hours = "17:00-09:00"', "the day must end after it starts"),
        ("business_days = [0, 8]", "ISO weekdays"),
        ("baseline_days = 5\nbaseline_min_days = 7", "baseline_min_days must not exceed baseline_days"),
        ("loyalty_pseudo_count = -1", "profiles[0].index.loyalty_pseudo_count = -1: Input should be greater than"),
        ("sla_hours = 0", "profiles[0].index.sla_hours = 0: Input should be greater than 0"),
        ("nps_window = 30", "profiles[0].index.nps_window: unknown key"),
    ],
)
def test_bad_index_settings_name_the_key(tmp_path: Path, index: str, expected: str) -> None:
    assert expected in error_for(tmp_path, index)


def test_business_hours_may_end_at_midnight(tmp_path: Path) -> None:
    path = tmp_path / "ror.toml"
    path.write_text(BASE.format(index='business_hours = "08:00-24:00"\nbusiness_days = [7, 1, 1]'), encoding="utf-8")
    index = load_config(path).profiles[0].index
    assert index.business_hours == "08:00-24:00" and index.business_days == [1, 7]
