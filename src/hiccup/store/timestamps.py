"""Column types for moments (stored in UTC) and wall-clock times (stored as written).

SQLite has no time-zone type: SQLAlchemy writes an aware datetime's wall clock and drops its
offset, so 15:49 in Los Angeles was stored as 15:49 UTC, eight hours early, and compared as
text against UTC values. Converting on the way in keeps every stored moment in UTC on both
engines (what SQLite rows written from UTC clocks always held), and text comparisons in SQL
stay ordered by instant.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class NaiveMomentError(ValueError):
    """A moment without an offset reached the database: which instant it means is a guess."""


class AwareWallClockError(ValueError):
    """A wall-clock column was handed an offset: the zone it is read in lives in another column."""


def _is_aware(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() is not None


class UtcDateTime(TypeDecorator[datetime]):
    """A moment: an aware datetime in any zone goes in, the same instant comes out in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not _is_aware(value):
            raise NaiveMomentError(f"naive datetime {value.isoformat()} for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # SQLite hands back what it stored (naive, always UTC); PostgreSQL an aware value.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class WallClock(TypeDecorator[datetime]):
    """A local wall-clock time, read in the zone named by another column (naive both ways)."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            raise AwareWallClockError(f"wall-clock column given {value.isoformat()} with a zone")
        return value
