"""Daemon logging: readable lines by default, one JSON object per line on request, secrets redacted."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from listener.redaction import REDACTED, Redactor, remember_secret, url_passwords
from listener.redaction import redact as redact_known

if TYPE_CHECKING:
    from listener.config.settings import Config

__all__ = ["REDACTED", "JsonFormatter", "Redactor", "TextFormatter", "config_secrets", "configure_logging"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def config_secrets(config: Config) -> list[str]:
    """Values of every environment variable the config names for a secret, and the database password."""
    names = [env for _, source in config.sources() for env in source.secret_env_names().values()]
    for channel in config.channels:
        names.extend(value for key, value in channel.model_dump().items()
                     if key.endswith("_env") and isinstance(value, str))
    if config.database.url_env:
        names.append(config.database.url_env)
    values = [os.environ.get(name, "") for name in names]
    for value in list(values):
        if value:
            remember_secret(value)
        values += url_passwords(value)
    return values


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message`, redacted."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__(TEXT_FORMAT)
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return redact_known(self.redact(super().format(record)))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, extra fields, exception; redacted."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in STANDARD_ATTRIBUTES})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact_known(self.redact(json.dumps(entry, default=str, ensure_ascii=False)))


class QuietSkippedRuns(logging.Filter):
    """Drop APScheduler's warning that a poll was skipped because the previous one still runs.

    With coalescing and one instance per job that is the intended behaviour, not a problem;
    at an interval of a few seconds it would otherwise fill the log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name.startswith("apscheduler")
                    and "maximum number of running instances" in record.getMessage())


def configure_logging(log_format: str, redact: Redactor, level: int | None = None,
                      stream: TextIO | None = None) -> logging.Handler:
    """Route every log record through one redacting handler on stderr; returns the handler."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(redact) if log_format == "json" else TextFormatter(redact))
    handler.addFilter(QuietSkippedRuns())
    root.addHandler(handler)
    if level is not None:
        root.setLevel(level)
    for noisy in ("httpx", "httpcore", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return handler
