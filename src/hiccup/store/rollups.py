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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from hiccup.core.rollup import Key, Rollup, Sample, fold_daily, fold_hourly
from hiccup.store.codec import utc
from hiccup.store.results import FOLD_MARK, VERDICTS, from_ms, to_ms
from hiccup.store.tables_history import history_marks, rollups_daily, rollups_hourly
from hiccup.store.tables_results import monitor_keys, result_details, results, results_late

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


def _dialect_insert(conn: AsyncConnection, table: Table) -> Any:
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)


async def read_mark(conn: AsyncConnection, name: str = FOLD_MARK, *, lock: bool = False) -> int:
    query = select(history_marks.c.value).where(history_marks.c.name == name)
    if lock and conn.dialect.name == "postgresql":
        # A second replica's fold waits here and then sees the moved mark. The row must exist
        # to be locked. (SQLite has one writer process, and taking its write lock this early
        # would stall the recorder while the batch is folded.)
        await _create_mark(conn, name)
        query = query.with_for_update()
    return int((await conn.execute(query)).scalar_one_or_none() or 0)


async def _create_mark(conn: AsyncConnection, name: str) -> None:
    statement = _dialect_insert(conn, history_marks).values(
        name=name, value=0, updated_at=func.now()
    )
    await conn.execute(statement.on_conflict_do_nothing(index_elements=[history_marks.c.name]))


async def _set_mark(conn: AsyncConnection, name: str, value: int, now: datetime) -> None:
    statement = _dialect_insert(conn, history_marks).values(name=name, value=value, updated_at=now)
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


def _row(key: Key, rollup: Rollup) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(rollup, name) for name in _ROLLUP_FIELDS}
    row["histogram"] = {str(k): v for k, v in sorted(rollup.histogram.items())}
    return {"monitor_id": key[0], "bucket_start": key[1], **row}


async def _existing(conn: AsyncConnection, table: Table, keys: Iterable[Key]) -> dict[Key, Rollup]:
    keys = list(keys)
    lo, hi = min(k[1] for k in keys), max(k[1] for k in keys)
    monitor_ids = sorted({k[0] for k in keys})
    found: dict[Key, Rollup] = {}
    for i in range(0, len(monitor_ids), _IDS_PER_QUERY):
        query = select(table).where(
            table.c.monitor_id.in_(monitor_ids[i : i + _IDS_PER_QUERY]),
            table.c.bucket_start.between(lo, hi),
        )
        for row in (await conn.execute(query)).mappings():
            found[(row["monitor_id"], utc(row["bucket_start"]))] = rollup_from_row(row)
    return found


async def merge_rollups(
    conn: AsyncConnection, table: Table, partials: Mapping[Key, Rollup]
) -> None:
    """Add partial rollups to the stored rows of the same (monitor, bucket)."""
    if not partials:
        return
    totals = await _existing(conn, table, partials)
    for key, partial in partials.items():
        totals.setdefault(key, Rollup()).merge(partial)
    statement = _dialect_insert(conn, table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.monitor_id, table.c.bucket_start],
        set_={name: statement.excluded[name] for name in (*_ROLLUP_FIELDS, "histogram")},
    )
    await conn.execute(statement, [_row(key, totals[key]) for key in partials])


# The columns a fold reads, in core.rollup.Sample's order (results_late has the same names).
def _sample_columns(table: Table) -> tuple[Any, ...]:
    c = table.c
    return (monitor_keys.c.monitor_id, c.at, c.verdict, c.latency_ms, c.reliable)


def _sample(row: Any) -> Sample:
    monitor_id, at, verdict, latency_ms, reliable = row[:5]
    latency = None if latency_ms is None else float(latency_ms)
    return (monitor_id, from_ms(at), VERDICTS[verdict], latency, bool(reliable))


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


async def fold_batch(conn: AsyncConnection, now: datetime, batch: int, settle: timedelta) -> int:
    """Fold the next window of settled results (at most `batch`) and the late results behind
    the mark into the rollups; returns how many results were folded (0: nothing to do).

    Results younger than `settle` wait, which leaves concurrent writers (several replicas on
    PostgreSQL) time to commit before the mark moves past their results.
    """
    mark = await read_mark(conn, lock=True)
    behind = await _behind(conn, mark, batch)
    upto, raw = mark, list[Any]()
    start, settled = await _next_at(conn, mark), to_ms(now - settle) - 1
    if start is not None and start <= settled:
        columns = (*_sample_columns(results), results.c.monitor_key, results.c.probe)
        upto, raw = await _window(conn, mark, start, settled, batch, *columns)
    samples = [_sample(row) for row in raw] + [_sample(row) for row in behind]
    await _unqueue(conn, [(row.monitor_key, row.at, row.probe) for row in behind])
    await _unqueue_folded(conn, mark, upto, raw)
    if samples:
        hours = fold_hourly(samples)
        await merge_rollups(conn, rollups_hourly, hours)
        await merge_rollups(conn, rollups_daily, fold_daily(hours))
    if upto != mark:
        await _set_mark(conn, FOLD_MARK, upto, now)
    return len(samples)


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
