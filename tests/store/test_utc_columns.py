"""Every moment column stores the instant it was given, whatever the zone, and reads it back
aware in UTC on SQLite and PostgreSQL; naive moments are refused, not guessed.

SQLite has no zone type: an aware local time used to be stored as its wall clock, so 15:49 in
Los Angeles became 15:49 UTC, eight hours early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    insert,
    make_url,
    select,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import StatementError

from hiccup.core.ids import new_id
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import create_engine, migrate
from hiccup.store.schema import metadata
from hiccup.store.tables import pages
from hiccup.store.tables_maintenance import maintenances
from hiccup.store.timestamps import NaiveMomentError, UtcDateTime, WallClock
from tests.support.store_helpers import START

# The one column holding a local wall-clock time (read in the row's `time_zone`).
WALL_CLOCK_COLUMNS = {maintenances.c.start_local}

MOMENT_COLUMNS = [
    column
    for table in metadata.sorted_tables
    for column in table.columns
    if isinstance(column.type, UtcDateTime)
]

offsets = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23))
zones = st.one_of(st.timezones(), st.builds(timezone, offsets), st.just(UTC))
moments = st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2199, 12, 31),
    timezones=zones,
    allow_imaginary=False,
)
# Compared as `m.astimezone(UTC)`: Python calls an ambiguous local time (a DST fold) unequal
# to every moment in another zone, even the same instant.
ON_A_SHARED_ENGINE = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def dialects() -> list[Dialect]:
    """The dialects of the drivers Hiccup runs on, as its engines build them."""
    urls = ["sqlite+aiosqlite://", "postgresql+asyncpg://"]
    return [make_url(url).get_dialect()() for url in urls]


def test_every_datetime_column_is_a_utc_moment_or_a_declared_wall_clock() -> None:
    for table in metadata.sorted_tables:
        for column in table.columns:
            if column in WALL_CLOCK_COLUMNS:
                assert isinstance(column.type, WallClock), column
            elif isinstance(column.type, DateTime | UtcDateTime | WallClock):
                assert isinstance(column.type, UtcDateTime), f"{column} is not UtcDateTime"
    assert len(MOMENT_COLUMNS) > 40


def _through(column: Column[Any], dialect: Dialect, moment: datetime) -> tuple[Any, Any]:
    """What the driver is handed for `moment`, and what the column reads back from it."""
    typed = column.type.dialect_impl(dialect)  # as the compiler uses it for this engine
    bind = typed.bind_processor(dialect)
    stored = bind(moment) if bind else moment
    result = typed.result_processor(dialect, None)
    return stored, result(stored) if result else stored


@given(moment=moments)
def test_every_moment_column_binds_utc_and_reads_the_same_instant_on_both_dialects(
    moment: datetime,
) -> None:
    in_utc = moment.astimezone(UTC)
    for dialect in dialects():
        for column in MOMENT_COLUMNS:
            stored, read = _through(column, dialect, moment)
            assert read == in_utc, column
            assert read.tzinfo is UTC, column
            if dialect.name == "sqlite":  # compared as text in SQL: UTC keeps instants ordered
                assert stored == in_utc.strftime("%Y-%m-%d %H:%M:%S.%f"), column
            else:
                assert stored.utcoffset() == timedelta(0), column


def _mirror() -> Table:
    """A scratch table with one column of each moment column's own type object."""
    columns = [Column(f"m{i}", c.type) for i, c in enumerate(MOMENT_COLUMNS)]
    return Table("moment_mirror", MetaData(), Column("id", Integer, primary_key=True), *columns)


@ON_A_SHARED_ENGINE
@given(written=st.lists(moments, min_size=len(MOMENT_COLUMNS), max_size=len(MOMENT_COLUMNS)))
async def test_every_moment_column_type_round_trips_through_the_database(
    engine: AsyncEngine, written: list[datetime]
) -> None:
    mirror = _mirror()
    async with engine.begin() as conn:
        await conn.run_sync(mirror.create)
        row = {f"m{i}": moment for i, moment in enumerate(written)}
        made = await conn.execute(insert(mirror).values(**row).returning(mirror.c.id))
        row_id = made.scalar_one()
        read = (await conn.execute(select(mirror).where(mirror.c.id == row_id))).one()
        first = mirror.c.m0
        earlier = written[0] - timedelta(microseconds=1)
        query = select(mirror.c.id).where(mirror.c.id == row_id, first > earlier)
        compared = (await conn.execute(query)).scalar()
        await conn.run_sync(mirror.drop)
    assert list(read[1:]) == [moment.astimezone(UTC) for moment in written]
    assert {moment.tzinfo for moment in read[1:]} == {UTC}
    assert compared == row_id, "SQL compares the stored instants, not wall clocks"


@ON_A_SHARED_ENGINE
@given(moment=moments)
async def test_a_real_table_keeps_the_instant(engine: AsyncEngine, moment: datetime) -> None:
    page_id = new_id()
    values = {"id": page_id, "slug": page_id, "name": "Probe", "updated_at": START}
    async with engine.begin() as conn:
        await conn.execute(insert(pages).values(created_at=moment, **values))
        query = select(pages.c.created_at).where(pages.c.id == page_id)
        read = (await conn.execute(query)).scalar_one()
        later = select(pages.c.id).where(pages.c.id == page_id, pages.c.created_at < moment)
        assert (await conn.execute(later)).first() is None
    assert read == moment.astimezone(UTC)
    assert read.tzinfo is UTC


@pytest.mark.parametrize("naive", [datetime(2026, 12, 4, 15, 49, 18), START.replace(tzinfo=None)])
async def test_a_naive_moment_is_refused(engine: AsyncEngine, naive: datetime) -> None:
    values = {"id": "p1", "slug": "p1", "name": "Probe", "updated_at": START}
    with pytest.raises(StatementError) as refused:
        async with engine.begin() as conn:
            await conn.execute(insert(pages).values(created_at=naive, **values))
    assert isinstance(refused.value.orig, NaiveMomentError)


async def test_rows_sqlite_stored_before_still_read_as_utc(tmp_path: Path) -> None:
    # Older versions wrote SQLite moments as naive UTC text; PostgreSQL always kept the zone.
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    await migrate(engine)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO pages (id, slug, name, url, time_zone, history_days, declared,"
                " created_at, updated_at) VALUES ('old', 'old', 'Old', '', 'UTC', 90, 0,"
                " '2026-12-04 23:49:18.000000', '2026-12-04 23:49:18.000000')"
            )
        )
        read = (await conn.execute(select(pages.c.created_at))).scalar_one()
    await engine.dispose()
    assert read == datetime(2026, 12, 4, 23, 49, 18, tzinfo=UTC)
    assert read.tzinfo is UTC
