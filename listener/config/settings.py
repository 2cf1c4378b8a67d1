"""Configuration: one TOML file, loaded once into validated objects, with errors a person can act on."""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    SerializeAsAny,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from connectors.limits import (
    DEFAULT_MAX_PAGES_PER_STREAM,
    DEFAULT_RESPONSE_DEADLINE_SECONDS,
    DEFAULT_SYNC_DEADLINE_SECONDS,
    SyncLimits,
)
from connectors.registry import PLATFORMS
from connectors.source_settings import SourceSettings
from listener.config.alerts import AlertsConfig, ChannelConfig
from listener.config.daemon import DaemonConfig
from listener.config.dashboard import DashboardConfig
from listener.config.errors import ConfigError
from listener.config.exports import ExportsConfig
from listener.config.imports import ImportsConfig
from listener.config.sentiment import SentimentConfig
from listener.redaction import remember_secret

DEFAULT_CONFIG_NAME = "ror.toml"
CONFIG_ENV = "ROR_CONFIG"
PLUGINS_OFF = "PYDANTIC_DISABLE_PLUGINS"  # pydantic's own switch: no plugin discovery while it is set
COMPONENTS = (
    "sentiment", "engagement", "advocacy", "loyalty", "responsiveness", "nps", "return_rate",
    "survey_nps", "retention", "email_engagement", "web_engagement",
)
DEFAULT_WEIGHTS = {
    "sentiment": 0.25, "engagement": 0.15, "advocacy": 0.15, "loyalty": 0.10,
    "responsiveness": 0.15, "nps": 0.10, "return_rate": 0.10,
    # Beyond social (CRM, survey, e-mail, website data): off unless given a weight.
    "survey_nps": 0.0, "retention": 0.0, "email_engagement": 0.0, "web_engagement": 0.0,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class DatabaseConfig(_Strict):
    """Where data lives: a SQLAlchemy URL, or the name of a variable holding one."""

    url: str | None = None
    url_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")


class IndexConfig(_Strict):
    """How components become the index."""

    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    half_life_days: float = Field(default=7.0, gt=0, le=365)
    baseline_days: int = Field(default=28, ge=1, le=365)
    baseline_min_days: int = Field(default=7, ge=1, le=365)
    sentiment_pseudo_count: float = Field(default=10.0, ge=0)
    engagement_pseudo_count: float = Field(default=10.0, ge=0)
    advocacy_pseudo_count: float = Field(default=5.0, ge=0)
    loyalty_pseudo_count: float = Field(default=10.0, ge=0)
    responsiveness_pseudo_count: float = Field(default=5.0, ge=0)
    nps_pseudo_count: float = Field(default=10.0, ge=0)
    return_rate_pseudo_count: float = Field(default=10.0, ge=0)
    loyalty_window_days: int = Field(default=28, ge=1, le=365)
    nps_window_days: int = Field(default=90, ge=1, le=3650)
    return_window_days: int = Field(default=365, ge=1, le=3650)
    sla_hours: float = Field(default=24.0, gt=0, le=720)
    business_hours: str | None = Field(
        default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$")
    business_days: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5], min_length=1)
    provisional_hours: float = Field(default=48.0, ge=0, le=720)
    # The profile's sentiment settings, set by ProfileConfig: a scorer change starts a new series.
    _sentiment: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def sentiment_settings(self) -> dict[str, Any]:
        """The profile's [profiles.sentiment] as a plain dict (part of the series' parameters)."""
        return self._sentiment

    @field_validator("business_days")
    @classmethod
    def _iso_weekdays(cls, days: list[int]) -> list[int]:
        if any(d < 1 or d > 7 for d in days):
            raise ValueError("business days are ISO weekdays: 1 (Monday) to 7 (Sunday)")
        return sorted(set(days))

    @model_validator(mode="after")
    def _consistent(self) -> IndexConfig:
        if self.baseline_min_days > self.baseline_days:
            raise ValueError("baseline_min_days must not exceed baseline_days")
        if self.business_hours:
            start, end = self.business_hours.split("-")
            if start >= end:
                raise ValueError(f"business_hours {self.business_hours!r}: the day must end after it starts")
        return self

    @field_validator("weights")
    @classmethod
    def _known_non_negative(cls, weights: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(weights) - set(COMPONENTS))
        if unknown:
            raise ValueError(f"unknown component {unknown[0]!r}; expected one of {', '.join(COMPONENTS)}")
        if any(w < 0 for w in weights.values()):
            raise ValueError("weights must be >= 0")
        if sum(weights.values()) <= 0:
            raise ValueError("weights must not sum to zero")
        return {name: weights.get(name, 0.0) for name in COMPONENTS}


def validate_source(value: Any) -> SourceSettings:
    """A `[[profiles.sources]]` table checked by its platform's model (only the platforms a config names load)."""
    if not isinstance(value, dict | SourceSettings):
        raise PydanticCustomError("model_type", "expected a table of source settings")
    platform = value.get("platform") if isinstance(value, dict) else value.platform
    if platform is None:
        raise PydanticCustomError("union_tag_not_found", "the key 'platform' is missing")
    if platform not in PLATFORMS:
        expected = ", ".join(repr(name) for name in PLATFORMS)
        raise PydanticCustomError("union_tag_invalid", "unknown platform {tag}; expected one of {expected_tags}",
                                  {"tag": platform, "expected_tags": expected})
    return PLATFORMS[platform].settings.model_validate(value)


# Any platform's settings, validated by the model its `platform` names; dumped as that model.
Source = Annotated[SerializeAsAny[SourceSettings], PlainValidator(validate_source)]


class ProfileConfig(_Strict):
    """A brand: its sources, time zone and index settings."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    timezone: str = "UTC"
    sources: list[Source] = Field(default=[])
    index: IndexConfig = Field(default_factory=IndexConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    exports: ExportsConfig = Field(default_factory=ExportsConfig)
    imports: ImportsConfig = Field(default_factory=ImportsConfig)
    sentiment: SentimentConfig = Field(default_factory=SentimentConfig)

    @model_validator(mode="after")
    def _series_knows_the_scorer(self) -> ProfileConfig:
        self.index._sentiment = self.sentiment.model_dump()
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("expected an IANA time zone such as 'Europe/Berlin'") from error
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The profile's time zone object."""
        return ZoneInfo(self.timezone)


class SyncConfig(_Strict):
    """How far one sync of one source may go before it stops and leaves the rest to the next."""

    max_pages_per_stream: int = Field(default=DEFAULT_MAX_PAGES_PER_STREAM, ge=1, le=1_000_000)
    deadline_seconds: float = Field(default=DEFAULT_SYNC_DEADLINE_SECONDS, ge=10, le=24 * 3600)
    response_deadline_seconds: float = Field(default=DEFAULT_RESPONSE_DEADLINE_SECONDS, ge=1, le=3600)

    def limits(self) -> SyncLimits:
        """The limits the sync engine applies."""
        return SyncLimits(self.max_pages_per_stream, self.deadline_seconds, self.response_deadline_seconds)


class Config(_Strict):
    """The whole file."""

    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    daemon: DaemonConfig = Field(default_factory=DaemonConfig)
    sync: SyncConfig = Field(default_factory=SyncConfig)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)
    channels: list[ChannelConfig] = Field(default=[])
    profiles: list[ProfileConfig] = Field(min_length=1)
    path: Path = Field(default=Path(DEFAULT_CONFIG_NAME), exclude=True)

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        for kind, names in (
            ("profile", [p.name for p in self.profiles]),
            ("source", [s.name for p in self.profiles for s in p.sources]),
        ):
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise ValueError(f"{kind} name {duplicates[0]!r} is used twice; names must be unique")
        return self

    def sources(self) -> list[tuple[ProfileConfig, SourceSettings]]:
        """Every (profile, source) pair, in file order."""
        return [(p, s) for p in self.profiles for s in p.sources]

    def profile(self, name: str | None) -> ProfileConfig:
        """A profile by name; the only one when name is None."""
        if name is None:
            if len(self.profiles) == 1:
                return self.profiles[0]
            names = ", ".join(p.name for p in self.profiles)
            raise ConfigError(f"{self.path}: several profiles; choose one with --profile ({names})")
        for profile in self.profiles:
            if profile.name == name:
                return profile
        raise ConfigError(f"{self.path}: no profile named {name!r}")

    def database_url(self) -> str:
        """The database URL; a relative SQLite path is relative to the config file."""
        url = self.database.url
        if self.database.url_env:
            url = require_env(self.database.url_env, "database.url_env")
        url = url or f"sqlite:///{DEFAULT_DATABASE_NAME}"
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            url = prefix + str((self.path.parent / url[len(prefix):]).resolve())
        return url


DEFAULT_DATABASE_NAME = "ror.db"


def require_env(name: str, key: str) -> str:
    """The value of a secret's environment variable, or a ConfigError naming it."""
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"environment variable {name} (named by {key}) is not set")
    return remember_secret(value)


def source_secrets(source: SourceSettings) -> dict[str, str]:
    """The source's secrets, read from the environment variables its `*_env` keys name."""
    return {name: require_env(env, f"source {source.name!r} {name}_env")
            for name, env in source.secret_env_names().items()}


def check_secrets(config: Config) -> list[str]:
    """Problems with secrets (unset variables), one message each."""
    problems = []
    for _, source in config.sources():
        if source.enabled:
            for name, env in source.secret_env_names().items():
                try:
                    require_env(env, f"source {source.name!r} {name}_env")
                except ConfigError as error:
                    problems.append(str(error))
    return problems


def default_config_path() -> Path:
    """$ROR_CONFIG, else ./ror.toml."""
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_NAME)


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate a config file; every problem becomes a ConfigError."""
    path = Path(path) if path else default_config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file (create one with `ror init`)") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        with pydantic_plugins_off():
            config = Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(format_validation_error(path, data, error)) from None
    config.path = path
    remember_config_secrets(config)
    return config


@contextlib.contextmanager
def pydantic_plugins_off() -> Iterator[None]:
    """Build the config's validators without looking for pydantic plugins (typer does the same for its options).

    The look-up reads every installed package's entry points, ~4 ms on each command; a plugin
    has no business watching our own config being read.
    """
    previous = os.environ.get(PLUGINS_OFF)
    os.environ[PLUGINS_OFF] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ[PLUGINS_OFF]
        else:
            os.environ[PLUGINS_OFF] = previous


def remember_config_secrets(config: Config) -> None:
    """Hand every secret the config names (sources, channels, database URL) to the redaction point."""
    names = [env for _, source in config.sources() for env in source.secret_env_names().values()]
    for channel in config.channels:
        names.extend(v for k, v in channel.model_dump().items() if k.endswith("_env") and isinstance(v, str))
    names.extend([config.database.url_env] if config.database.url_env else [])
    for name in names:
        if os.environ.get(name):
            remember_secret(os.environ[name])


def format_validation_error(path: Path, data: Any, error: ValidationError) -> str:
    """One line per problem: file, key, value, what was expected."""
    lines = [f"{path}: {error.error_count()} problem(s):"]
    for problem in error.errors():
        key = _dotted(data, problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "union_tag_invalid":
            context = problem.get("ctx", {})
            lines.append(f"  {key}.platform = {context.get('tag')!r}: expected one of {context.get('expected_tags')}")
        elif problem["type"] == "union_tag_not_found":
            lines.append(f"  {key}.platform: required key is missing")
        elif problem["type"] == "extra_forbidden":
            lines.append(f"  {key}: unknown key (check the spelling against config.example.toml)")
        elif problem["type"] == "missing":
            lines.append(f"  {key}: required key is missing")
        else:
            lines.append(f"  {key} = {_short(problem.get('input'))}: {message}")
    return "\n".join(lines)


def _dotted(data: Any, loc: tuple[Any, ...]) -> str:
    """profiles.0.sources.1.x -> profiles[0].sources[1].x, dropping pydantic's union tags."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
            node = node[part] if isinstance(node, list) and part < len(node) else None
        elif isinstance(node, dict) and part not in node and node.get("platform") == part:
            continue  # pydantic's union tag (the platform), not a key of the file
        else:
            parts.append(("." if parts else "") + str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
