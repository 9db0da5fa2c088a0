"""Folding raw results into hourly and daily rollups, and pruning what retention lets go.

The fold is incremental: a high-water mark (the id of the last raw result folded) is stored
in `history_marks` and commits in the same transaction as the rollup rows it produced, so a
crash or a second run folds nothing twice and skips nothing. Each batch's hourly partials are
also summed into the daily rows, so a late result (held in memory while the database was away)
lands in both even after its day was first rolled up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from hiccup.core.rollup import Key, Rollup, Sample, fold_daily, fold_hourly
from hiccup.core.status import Verdict
from hiccup.store.codec import utc
from hiccup.store.tables import results
from hiccup.store.tables_history import history_marks, rollups_daily, rollups_hourly

FOLD_MARK = "rollups.results"
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


def _samples(rows: Iterable[Any], settled_before: datetime) -> tuple[list[Sample], int | None]:
    """Samples in id order up to the first one too recent to fold, and the last id taken.

    Stopping at a recent result leaves concurrent writers (several replicas on PostgreSQL)
    time to commit lower ids before the mark moves past them.
    """
    samples: list[Sample] = []
    last: int | None = None
    for row_id, monitor_id, at, verdict, latency_ms, reliable in rows:
        at = utc(at)
        if at >= settled_before:
            break
        samples.append((monitor_id, at, Verdict(verdict), latency_ms, bool(reliable)))
        last = row_id
    return samples, last


async def fold_batch(conn: AsyncConnection, now: datetime, batch: int, settle: timedelta) -> int:
    """Fold up to `batch` raw results past the mark into the rollups; returns how many."""
    mark = await read_mark(conn, lock=True)
    c = results.c
    rows = await conn.execute(
        select(c.id, c.monitor_id, c.at, c.verdict, c.latency_ms, c.reliable)
        .where(c.id > mark)
        .order_by(c.id)
        .limit(batch)
    )
    samples, last = _samples(rows, now - settle)
    if last is None:
        return 0
    hours = fold_hourly(samples)
    await merge_rollups(conn, rollups_hourly, hours)
    await merge_rollups(conn, rollups_daily, fold_daily(hours))
    await _set_mark(conn, FOLD_MARK, last, now)
    return len(samples)


async def prune_results(conn: AsyncConnection, cutoff: datetime, batch: int) -> int:
    """Delete up to `batch` of the oldest raw results older than `cutoff`, never unfolded ones.

    Walks the primary key from the oldest id, so a pass costs the same however big the table
    is; results arrive in about time order, and a rare newer one among them only delays the
    deletion of the ids after it until it ages out too.
    """
    mark = await read_mark(conn)
    rows = await conn.execute(
        select(results.c.id, results.c.at)
        .where(results.c.id <= mark)
        .order_by(results.c.id)
        .limit(batch)
    )
    upto: int | None = None
    for row_id, at in rows:
        if utc(at) >= cutoff:
            break
        upto = row_id
    if upto is None:
        return 0
    deleted = await conn.execute(delete(results).where(results.c.id <= upto))
    return int(deleted.rowcount or 0)


async def prune_hours(conn: AsyncConnection, cutoff: datetime, span: timedelta) -> int:
    """Delete hourly rollups older than `cutoff`, at most `span` of the oldest hours per call."""
    oldest = (await conn.execute(select(func.min(rollups_hourly.c.bucket_start)))).scalar()
    if oldest is None or utc(oldest) >= cutoff:
        return 0
    upto = min(cutoff, utc(oldest) + span)
    deleted = await conn.execute(delete(rollups_hourly).where(rollups_hourly.c.bucket_start < upto))
    return int(deleted.rowcount or 0)
