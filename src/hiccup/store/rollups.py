"""Folding raw results into hourly and daily rollups, and pruning what retention lets go.

The fold is incremental by time: a high-water mark (the epoch millisecond up to which every
result has been folded) is stored in `history_marks` and commits in the same transaction as
the rollup rows it produced, so a crash or a second run folds nothing twice and skips nothing.
Each call folds one window of time past the mark, at most `batch` results (unless that many
share one millisecond), read per monitor along the raw table's primary key. A result written
behind the mark (held in memory while the database was away, a probe's backlog) is also copied
to `results_late` (store.results), and the fold takes it from there. Each batch's hourly
partials are also summed into the daily rows, so a late result lands in both even after its
day was first rolled up.

A call works in two steps so that the write lock is held only for the writes: read_window
reads the window and folds it into encoded partials, with no lock (its rows are settled: only
the mark can move meanwhile, and a reader never blocks on SQLite's WAL); write_window takes the
lock on the mark, gives up if another folder moved it since, and then adds the partials to the
stored rows in the database (store.rollup_merge) and moves the mark, in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, func, select, tuple_

from hiccup.core.rollup import Rollup
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc
from hiccup.store.driver_rows import Row
from hiccup.store.results import FOLD_MARK, to_ms
from hiccup.store.rollup_merge import add_rows, encode_rows
from hiccup.store.rollup_partials import daily_partials, fold_rows
from hiccup.store.tables_history import history_marks, rollups_daily, rollups_hourly
from hiccup.store.tables_results import monitor_keys, result_details, results, results_late
from hiccup.store.upsert import upsert_into

_ROLLUP_FIELDS = (
    "ok",
    "degraded",
    "failed",
    "unreliable",
    "latency_count",
    "latency_sum",
    "latency_min",
    "latency_max",
)
# Bound on ids per IN (...) list: SQLite and asyncpg both cap bound parameters near 32k.
_IDS_PER_QUERY = 2000


async def read_mark(conn: AsyncConnection, name: str = FOLD_MARK, *, lock: bool = False) -> int:
    query = select(history_marks.c.value).where(history_marks.c.name == name)
    if lock:
        # A second folder waits here and then sees the moved mark. On PostgreSQL the row must
        # exist to be locked; on SQLite writing it takes the database's write lock, so what
        # follows reads the newest state. The fold reads and folds its window before this.
        await _create_mark(conn, name)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
    return int((await conn.execute(query)).scalar_one_or_none() or 0)


async def _create_mark(conn: AsyncConnection, name: str) -> None:
    statement = upsert_into(conn, history_marks).values(name=name, value=0, updated_at=func.now())
    await conn.execute(statement.on_conflict_do_nothing(index_elements=[history_marks.c.name]))


async def _set_mark(conn: AsyncConnection, name: str, value: int, now: datetime) -> None:
    statement = upsert_into(conn, history_marks).values(name=name, value=value, updated_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[history_marks.c.name],
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
    )
    await conn.execute(statement)


def rollup_from_row(row: Any) -> Rollup:
    return Rollup(
        **{name: row[name] for name in _ROLLUP_FIELDS},
        histogram={int(k): int(v) for k, v in (row["histogram"] or {}).items()},
    )


# The columns a fold reads, in core.rollup.Sample's order (results_late has the same names).
def _sample_columns(table: Table) -> tuple[Any, ...]:
    c = table.c
    return (monitor_keys.c.monitor_id, c.at, c.verdict, c.latency_ms, c.reliable)


async def _next_at(conn: AsyncConnection, after: int) -> int | None:
    """The earliest result time after `after` (epoch ms): one primary-key seek per monitor."""
    r, k = results.c, monitor_keys.c
    first = (
        select(r.at)
        .where(r.monitor_key == k.key, r.at > after)
        .order_by(r.at)
        .limit(1)
        .scalar_subquery()
    )
    found = (await conn.execute(select(func.min(first)).select_from(monitor_keys))).scalar()
    return None if found is None else int(found)


def _in_window(lo: int, hi: int) -> ColumnElement[bool]:
    r = results.c
    return and_(r.monitor_key.in_(select(monitor_keys.c.key)), r.at > lo, r.at <= hi)


async def _window(
    conn: AsyncConnection, lo: int, start: int, hi: int, batch: int, *columns: Any
) -> tuple[int, list[Any]]:
    """The widest window (lo, upto], upto <= hi, that holds at most `batch` results (or only
    the millisecond `start`, the first result after lo, however many it holds), and its rows.

    Halves the window until it fits: a pass that has kept up reads once, one far behind a few
    times, each read stopping at batch + 1 rows.
    """
    upto = hi
    while True:
        query = select(*columns).select_from(
            results.join(monitor_keys, monitor_keys.c.key == results.c.monitor_key)
        )
        query = query.where(_in_window(lo, upto))
        rows = list(await conn.execute(query.limit(batch + 1)))
        if len(rows) <= batch:
            return upto, rows
        if upto <= start:
            return upto, list(await conn.execute(query))
        upto = start + (upto - start) // 2


async def _behind(conn: AsyncConnection, mark: int, batch: int) -> list[Any]:
    """Queued late results the fold's window has passed already, oldest first."""
    late = results_late.c
    query = (
        select(*_sample_columns(results_late), late.monitor_key, late.probe)
        .join_from(results_late, monitor_keys, monitor_keys.c.key == late.monitor_key)
        .where(late.at <= mark)
        .order_by(late.at)
        .limit(batch)
    )
    return list(await conn.execute(query))


async def _unqueue(conn: AsyncConnection, keys: list[tuple[int, int, str]]) -> None:
    late = results_late.c
    for i in range(0, len(keys), _IDS_PER_QUERY // 3):
        chunk = keys[i : i + _IDS_PER_QUERY // 3]
        where = tuple_(late.monitor_key, late.at, late.probe).in_(chunk)
        await conn.execute(delete(results_late).where(where))


async def _unqueue_folded(conn: AsyncConnection, lo: int, hi: int, raw: list[Any]) -> None:
    """Take out of the queue the late results this window folded from the raw table: only
    those it read (one committed since, on another server, waits to be folded from there)."""
    late = results_late.c
    query = select(late.monitor_key, late.at, late.probe).where(late.at > lo, late.at <= hi)
    queued = {(row[0], row[1], row[2]) for row in await conn.execute(query)}
    if queued:
        read = {(row.monitor_key, row.at, row.probe) for row in raw}
        await _unqueue(conn, sorted(queued & read))


@dataclass(slots=True)
class Window:
    """A window of raw results read and folded before the write lock (read_window): the mark
    it starts from, the time it reaches, its rows and their partial rollups, encoded."""

    mark: int
    upto: int
    raw: list[Any]
    hourly: list[Row]
    daily: list[Row]
    late: bool  # late results behind the mark were queued when it was read


async def _encoded(conn: AsyncConnection, rows: Sequence[Any]) -> tuple[list[Row], list[Row]]:
    hours = await fold_rows(rows)
    hourly = await encode_rows(conn.dialect, rollups_hourly, hours)
    return hourly, await encode_rows(conn.dialect, rollups_daily, daily_partials(hours))


async def read_window(
    conn: AsyncConnection, now: datetime, batch: int, settle: timedelta
) -> Window:
    """The next window of settled results past the mark (at most `batch`), read and folded
    without any lock: the rows it covers are settled, so only the mark can move meanwhile,
    and write_window checks it under the lock."""
    mark = await read_mark(conn)
    upto, raw = mark, list[Any]()
    start, settled = await _next_at(conn, mark), to_ms(now - settle) - 1
    if start is not None and start <= settled:
        columns = (*_sample_columns(results), results.c.monitor_key, results.c.probe)
        upto, raw = await _window(conn, mark, start, settled, batch, *columns)
    hourly, daily = await _encoded(conn, raw)
    late = bool(await _behind(conn, mark, 1))
    return Window(mark, upto, raw, hourly, daily, late)


async def write_window(conn: AsyncConnection, window: Window, now: datetime, batch: int) -> int:
    """Under the fold's lock, add a window's partials and the late results behind the mark to
    the rollups and move the mark, all in the caller's transaction; returns how many results
    were folded, 0 if another folder moved the mark since the window was read."""
    if not window.raw and not window.late:
        return 0
    if await read_mark(conn, lock=True) != window.mark:
        return 0
    behind = await _behind(conn, window.mark, batch)
    await _unqueue(conn, [(row.monitor_key, row.at, row.probe) for row in behind])
    await _unqueue_folded(conn, window.mark, window.upto, window.raw)
    late_hourly, late_daily = await _encoded(conn, behind)
    await add_rows(conn, rollups_hourly, window.hourly + late_hourly)
    await add_rows(conn, rollups_daily, window.daily + late_daily)
    if window.upto != window.mark:
        await _set_mark(conn, FOLD_MARK, window.upto, now)
    return len(window.raw) + len(behind)


async def fold_batch(conn: AsyncConnection, now: datetime, batch: int, settle: timedelta) -> int:
    """Fold the next window of settled results (at most `batch`) and the late results behind
    the mark into the rollups; returns how many results were folded (0: nothing to do, or
    another folder got there first).

    Results younger than `settle` wait, which leaves concurrent writers (several replicas on
    PostgreSQL) time to commit before the mark moves past their results. The window is read and
    folded before the write lock (SQLite: pysqlite begins the transaction at the first write).
    """
    window = await read_window(conn, now, batch, settle)
    return await write_window(conn, window, now, batch)


async def prune_results(conn: AsyncConnection, cutoff: datetime, batch: int) -> int:
    """Delete about `batch` of the oldest raw results older than `cutoff`, never unfolded ones
    (the oldest window of time that holds at most `batch`); returns how many."""
    before = min(to_ms(cutoff) - 1, await read_mark(conn))
    oldest = await _next_at(conn, -1)
    if oldest is None or oldest > before:
        return 0
    upto, _rows = await _window(conn, oldest - 1, oldest, before, batch, results.c.at)
    deleted = await conn.execute(delete(results).where(_in_window(oldest - 1, upto)))
    details = result_details.c
    await conn.execute(
        delete(result_details).where(
            details.monitor_key.in_(select(monitor_keys.c.key)),
            details.at <= upto,
        )
    )
    return int(deleted.rowcount or 0)


async def prune_hours(conn: AsyncConnection, cutoff: datetime, span: timedelta) -> int:
    """Delete hourly rollups older than `cutoff`, at most `span` of the oldest hours per call."""
    oldest = (await conn.execute(select(func.min(rollups_hourly.c.bucket_start)))).scalar()
    if oldest is None or utc(oldest) >= cutoff:
        return 0
    upto = min(cutoff, utc(oldest) + span)
    deleted = await conn.execute(delete(rollups_hourly).where(rollups_hourly.c.bucket_start < upto))
    return int(deleted.rowcount or 0)
