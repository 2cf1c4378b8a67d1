"""Configuration: every way a file can be wrong gives one clear message naming file, key and value."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from typer.testing import CliRunner

from listener.cli.main import EXIT_CONFIG, app
from listener.config.settings import ConfigError, check_secrets, load_config

GOOD = """
[[profiles]]
name = "acme"
timezone = "Europe/Berlin"

[[profiles.sources]]
name = "acme-mastodon"
platform = "mastodon"
base_url = "https://mastodon.example"
account = "acme"
"""


def write(tmp_path: Path, text: str, name: str = "ror.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


def test_example_config_is_valid_and_documents_every_key() -> None:
    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    config = load_config(example)
    source = config.profiles[0].sources[0]
    text = example.read_text()
    for key in ("url", "url_env", "name", "timezone", "half_life_days", "baseline_days",
                "sentiment_pseudo_count", *config.profiles[0].index.weights, *type(source).model_fields):
        assert f"{key} =" in text or f"# {key} =" in text, key


def test_a_good_file_loads_with_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    source = config.profiles[0].sources[0]
    assert source.interval_minutes == 15 and source.backfill_days == 30
    assert config.database_url() == f"sqlite:///{(tmp_path / 'ror.db').resolve()}"
    assert sum(config.profiles[0].index.weights.values()) == pytest.approx(1.0)


def test_missing_file(tmp_path: Path) -> None:
    message = error_of(tmp_path / "nope.toml")
    assert "nope.toml" in message and "ror init" in message


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "[[profiles]\nname = 1"))
    assert "ror.toml: not valid TOML" in message and "line 1" in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "ror.toml"
    path.write_bytes(b"name = \"\xff\xfe\"")
    assert "not UTF-8" in error_of(path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("interval_minutes", "interval_minutes = 0"),
         "profiles[0].sources[0].interval_minutes = 0: Input should be greater than or equal to 1"),
        (("account", 'acount = "acme"'), "profiles[0].sources[0].acount: unknown key"),
        (("account", "backfill_days = \"lots\""),
         "profiles[0].sources[0].backfill_days = 'lots': Input should be a valid integer"),
        (("timezone", 'timezone = "Mars/Olympus"'),
         "profiles[0].timezone = 'Mars/Olympus': expected an IANA time zone"),
        (("platform", 'platform = "myspace"'),
         "profiles[0].sources[0].platform = 'myspace': expected one of 'mastodon', 'bluesky'"),
        (("account", 'account = "acme"\nmentions = true'), "mentions and search need a user token: set token_env"),
        (("account", 'account = "acme"\ntoken_env = "lower-case"'),
         "token_env = 'lower-case': String should match pattern"),
    ],
)
def test_bad_keys_and_values_name_key_value_and_expectation(tmp_path: Path, change: tuple[str, str],
                                                            expected: str) -> None:
    key, replacement = change
    lines = [replacement if line.startswith(key) else line for line in GOOD.splitlines()]
    if not any(line.startswith(key) for line in GOOD.splitlines()):
        lines.append(replacement)
    message = error_of(write(tmp_path, "\n".join(lines)))
    assert message.startswith(f"{tmp_path / 'ror.toml'}: ")
    assert expected in message


def test_missing_required_key(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, GOOD.replace('account = "acme"', "")))
    assert "profiles[0].sources[0].account: required key is missing" in message


def test_no_profiles(tmp_path: Path) -> None:
    assert "profiles: required key is missing" in error_of(write(tmp_path, "[database]\n"))


def test_weights_that_sum_to_zero(tmp_path: Path) -> None:
    text = (GOOD + "\n[profiles.index.weights]\nsentiment = 0\nengagement = 0\nadvocacy = 0\nloyalty = 0\n"
            "responsiveness = 0\nnps = 0\nreturn_rate = 0\n")
    assert "weights must not sum to zero" in error_of(write(tmp_path, text))


def test_unknown_weight_component(tmp_path: Path) -> None:
    text = GOOD + "\n[profiles.index.weights]\nvibes = 1\n"
    assert "unknown component 'vibes'" in error_of(write(tmp_path, text))


def test_duplicate_source_names(tmp_path: Path) -> None:
    second = GOOD.split("[[profiles.sources]]")[1]
    assert "source name 'acme-mastodon' is used twice" in error_of(write(tmp_path,
                                                                         GOOD + "[[profiles.sources]]" + second))


def test_missing_secret_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACME_MASTODON_TOKEN", raising=False)
    config = load_config(write(tmp_path, GOOD + 'token_env = "ACME_MASTODON_TOKEN"\nmentions = true\n'))
    assert check_secrets(config) == [
        "environment variable ACME_MASTODON_TOKEN (named by source 'acme-mastodon' token_env) is not set"
    ]
    monkeypatch.setenv("ACME_MASTODON_TOKEN", "x")
    assert check_secrets(config) == []


def test_database_url_env_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROR_TEST_DB_URL", raising=False)
    config = load_config(write(tmp_path, '[database]\nurl_env = "ROR_TEST_DB_URL"\n' + GOOD))
    with pytest.raises(ConfigError, match="ROR_TEST_DB_URL"):
        config.database_url()


def test_cli_config_check_reports_without_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("interval_minutes", "x").replace('account = "acme"',
                                                                         'account = "acme"\ninterval_minutes = -5'))
    result = CliRunner().invoke(app, ["config", "check", "--config", str(path)])
    assert result.exit_code == EXIT_CONFIG
    assert "interval_minutes = -5" in result.output
    assert "Traceback" not in result.output


def test_cli_config_check_ok(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["config", "check", "--config", str(write(tmp_path, GOOD))])
    assert result.exit_code == 0, result.output
    assert "ok, 1 profile(s), 1 source(s)" in result.output


def test_cli_config_check_missing_secret_exits_with_config_code(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACME_TOKEN_UNSET", raising=False)
    path = write(tmp_path, GOOD + 'token_env = "ACME_TOKEN_UNSET"\n')
    result = CliRunner().invoke(app, ["config", "check", "--config", str(path)])
    assert result.exit_code == EXIT_CONFIG and "ACME_TOKEN_UNSET" in result.output


def test_cli_config_check_reports_channel_and_export_routing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOOK_URL_UNSET", raising=False)
    text = ('[[channels]]\nname = "hook"\nkind = "webhook"\nurl_env = "HOOK_URL_UNSET"\n'
            + GOOD.replace('timezone = "Europe/Berlin"',
                           'timezone = "Europe/Berlin"\n[profiles.exports]\nemail_channel = "nope"'))
    result = CliRunner().invoke(app, ["config", "check", "--config", str(write(tmp_path, text))])
    assert result.exit_code == EXIT_CONFIG, result.output
    assert "HOOK_URL_UNSET" in result.output and "email_channel = 'nope'" in result.output


def test_every_commented_source_example_is_valid_once_uncommented(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parent.parent / "config.example.toml").read_text()
    base, examples = text.split("# ---- more sources", 1)
    platforms = []
    for chunk in examples.split("# [[profiles.sources]]")[1:]:
        lines = [line[2:] for line in chunk.splitlines() if line.startswith("# ") and not line.startswith("# # ")]
        config = load_config(write(tmp_path, base + "\n[[profiles.sources]]\n" + "\n".join(lines) + "\n"))
        platforms.append(config.profiles[0].sources[-1].platform)
    from connectors.registry import CONNECTORS

    assert sorted(platforms) == sorted(set(CONNECTORS) - {"mastodon"})


def test_source_without_a_platform_or_not_a_table_is_named(tmp_path: Path) -> None:
    no_platform = error_of(write(tmp_path, GOOD.replace('platform = "mastodon"\n', "")))
    assert "profiles[0].sources[0].platform: required key is missing" in no_platform
    not_a_table = error_of(write(tmp_path, '[[profiles]]\nname = "acme"\nsources = ["acme-mastodon"]\n'))
    assert "profiles[0].sources[0] = 'acme-mastodon': expected a table of source settings" in not_a_table


def test_loaded_config_pickles_with_each_source_as_its_platform_model(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    copy = pickle.loads(pickle.dumps(config))
    assert type(copy.profiles[0].sources[0]).__name__ == "MastodonSettings"
    assert copy.profiles[0].sources[0] == config.profiles[0].sources[0]
    assert copy.profiles[0].model_dump()["sources"][0]["account"] == "acme"  # dumped as the platform's model
