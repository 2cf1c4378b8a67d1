"""A profile's `[profiles.exports]` section: which weekly summaries to write, where, when, and to whom."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ExportFormat = Literal["csv", "json", "md", "html"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "json", "md", "html")
DEFAULT_CRON = "0 8 * * 1"
DEFAULT_OUTPUT_DIR = "exports"
DEFAULT_TOP_ITEMS = 5
DEFAULT_CHART_WEEKS = 4


class ExportsConfig(BaseModel):
    """Weekly summary settings."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    enabled: bool = True
    formats: list[ExportFormat] = Field(default_factory=lambda: list(EXPORT_FORMATS), min_length=1)
    output_dir: str = Field(default=DEFAULT_OUTPUT_DIR, min_length=1)
    cron: str = DEFAULT_CRON
    top_items: int = Field(default=DEFAULT_TOP_ITEMS, ge=1, le=50)
    chart_weeks: int = Field(default=DEFAULT_CHART_WEEKS, ge=0, le=52)
    email_channel: str | None = Field(default=None, min_length=1)
    email_to: list[str] = Field(default=[])

    @field_validator("formats")
    @classmethod
    def _no_repeats(cls, formats: list[ExportFormat]) -> list[ExportFormat]:
        repeated = sorted({f for f in formats if formats.count(f) > 1})
        if repeated:
            raise ValueError(f"format {repeated[0]!r} is listed twice")
        return formats

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        # The daemon owns crontab semantics (0 or 7 = Sunday, 1 = Monday); imported here, when a
        # cron line is checked, since the daemon's modules import the config.
        from listener.daemon.crontab import crontab_trigger

        try:
            crontab_trigger(value, "UTC")
        except ValueError as error:
            raise ValueError(f"expected a 5-field crontab such as {DEFAULT_CRON!r} ({error})") from error
        return value

    @field_validator("email_to")
    @classmethod
    def _addresses(cls, addresses: list[str]) -> list[str]:
        for address in addresses:
            local, _, domain = address.partition("@")
            if not local or "." not in domain or any(c.isspace() for c in address):
                raise ValueError(f"{address!r} is not an e-mail address")
        return addresses

    def directory(self, config_path: Path) -> Path:
        """The output directory; a relative one is relative to the config file."""
        path = Path(self.output_dir).expanduser()
        return path if path.is_absolute() else (config_path.parent / path).resolve()
