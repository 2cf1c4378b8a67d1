"""The `[daemon]` section: defaults, validation errors a person can act on, and the example documents it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from listener.config.daemon import DaemonConfig
from listener.config.settings import ConfigError, load_config

EXAMPLE = Path(__file__).resolve().parent.parent / "listener" / "config" / "config.example.toml"


def write(tmp_path: Path, daemon_section: str) -> Path:
    path = tmp_path / "ror.toml"
    path.write_text(f'[daemon]\n{daemon_section}\n[[profiles]]\nname = "acme"\n')
    return path


@pytest.mark.parametrize(("line", "expected"), [
    ('health_host = "0.0.0.0"', "daemon.health_host = '0.0.0.0': expected a loopback address"),
    ("health_port = 70000", "daemon.health_port = 70000: Input should be less than or equal to 65535"),
    ('log_format = "xml"', "daemon.log_format = 'xml': Input should be 'text' or 'json'"),
    ("stop_timeout_seconds = 0", "daemon.stop_timeout_seconds = 0: Input should be greater than 0"),
    ("intervall = 3", "daemon.intervall: unknown key"),
])
def test_a_bad_daemon_key_is_named_with_its_value_and_what_was_expected(tmp_path: Path, line: str,
                                                                        expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, line))
    assert expected in str(error.value)


def test_the_daemon_section_is_optional_and_loopback_names_are_accepted(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")).daemon.health_port == 9311
    assert load_config(write(tmp_path, 'health_host = "::1"')).daemon.health_host == "::1"
    assert load_config(write(tmp_path, 'health_host = "localhost"')).daemon.health_host == "localhost"


def test_the_example_config_documents_every_daemon_key() -> None:
    text = EXAMPLE.read_text()
    section = text[text.index("# ---- daemon ----"):text.index("# ---- channels ----")]
    documented = set(re.findall(r"^#? ?(\w+) = ", section, re.M))
    assert set(DaemonConfig.model_fields) <= documented
