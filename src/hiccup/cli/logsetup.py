"""How the long-running commands (`serve`, `demo`, `probe`) write their logs.

Two formats on stderr: `text`, a line a person reads, and `json`, one object per line for a log
collector (Loki, journald's JSON export, Elasticsearch) with the time, level, logger, message
and any fields a call passed in `extra=`. Chosen with `--log-format` or HICCUP_LOG_FORMAT.

Alembic's INFO lines ("Context impl SQLiteImpl", one per revision run) are for a person running
alembic by hand; Hiccup says in one line of its own when it upgrades the schema
(hiccup.store.database), so they are kept off.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import typer

LOG_FORMAT_ENV = "HICCUP_LOG_FORMAT"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers whose INFO lines are noise in Hiccup's output.
QUIET = ("alembic",)

# Every attribute a LogRecord has before a call's `extra=` adds its own.
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    # uvicorn's copy of its message with terminal colours in it.
    | {"message", "asctime", "color_message"}
)


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def _plain(value: Any) -> Any:
    # A field a collector can index: numbers, text, booleans and None as they are; anything
    # else as its str(), never a repr.
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, extra fields,
    and the traceback as `exception` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = _plain(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def formatter(kind: LogFormat) -> logging.Formatter:
    return JsonFormatter() if kind is LogFormat.JSON else logging.Formatter(TEXT_FORMAT)


def configure_logging(kind: LogFormat, level: int = logging.INFO) -> None:
    """Route every logger through one stderr handler in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(kind))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


LogFormatOption: Any = typer.Option(
    LogFormat.TEXT,
    "--log-format",
    envvar=LOG_FORMAT_ENV,
    case_sensitive=False,
    help="Log lines as text, or as one JSON object per line (time, level, logger, message and "
    "extra fields).",
)
