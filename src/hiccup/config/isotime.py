"""Times at the edges (the REST API, the probe wire): ISO 8601 with an offset in, and out.

pydantic's own `datetime` reads `0`, `-1`, `"99999999999"` and `1e12` as seconds or
milliseconds since 1970, and a time without an offset as whatever the server thinks; SQLite
hands back naive values. `AwareInput` accepts exactly an RFC 3339 date-time (ISO 8601 with
seconds and an offset) and nothing else; `UtcOutput` always answers with an offset (UTC).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
# Far enough either way for any real incident or window; beyond it, arithmetic (a window's
# end, the next recurrence) would overflow datetime instead of answering 422.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
EXAMPLE = "2026-05-22T16:10:00Z"
INPUT_DESCRIPTION = f"ISO 8601 / RFC 3339 date-time with an offset, e.g. {EXAMPLE}"
OUTPUT_DESCRIPTION = f"ISO 8601 date-time in UTC, with its offset, e.g. {EXAMPLE}"


def parse_aware(value: Any) -> datetime:
    """An RFC 3339 string (or an aware datetime from Python callers) as an aware UTC datetime;
    ValueError for numbers, times without an offset and anything else."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and _RFC3339.fullmatch(value.strip()):
        text = value.strip().upper().replace(" ", "T")
        fraction = re.search(r"\.(\d+)", text)
        if fraction and len(fraction.group(1)) > 6:  # Python keeps microseconds
            text = text.replace(fraction.group(0), "." + fraction.group(1)[:6])
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not a valid date-time; give e.g. {EXAMPLE}") from None
    else:
        raise ValueError(f"must be an ISO 8601 date-time with an offset, e.g. {EXAMPLE}")
    if moment.utcoffset() is None:
        raise ValueError(f"give a time zone offset, e.g. {EXAMPLE}")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year}")
    return moment


def as_utc(value: datetime) -> datetime:
    """A stored time with its offset: naive values (SQLite) are UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _iso(value: datetime) -> str:
    return as_utc(value).isoformat().replace("+00:00", "Z")


AwareInput = Annotated[
    datetime,
    BeforeValidator(parse_aware),
    WithJsonSchema({"type": "string", "format": "date-time", "description": INPUT_DESCRIPTION}),
    Field(examples=[EXAMPLE]),
]
UtcOutput = Annotated[
    datetime,
    PlainSerializer(_iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "description": OUTPUT_DESCRIPTION}),
]


def _local_iso(value: datetime) -> str:
    if value.utcoffset() is None:
        raise ValueError("a local time is answered with its offset")
    return value.isoformat()


# A wall-clock time in a named zone, answered with that zone's offset at that moment.
LocalOutput = Annotated[
    datetime,
    PlainSerializer(_local_iso, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601 date-time in the item's time_zone, with its offset",
        }
    ),
]
