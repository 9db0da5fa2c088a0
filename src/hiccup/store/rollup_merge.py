"""Adding partial rollups to the stored rows of the same (monitor, bucket), in the database.

One upsert a row: the database adds the counts and sums, keeps the lower minimum and the
higher maximum, and adds the histograms bucket by bucket (SQLite's json_each, PostgreSQL's
json_each_text), so the fold never reads the stored rows back into Python, decodes their
histograms and writes them out again. The rows go to the driver as plain tuples
(`exec_driver_sql`): SQLAlchemy's per-row parameter processing cost more than the upsert
itself. Partials are encoded before the fold takes the write lock (see store.rollups), in
chunks, with the loop let go in between.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect

from hiccup.core.rollup import Key, Rollup
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.driver_rows import Row, bind_processor, execute_rows, placeholders

_COUNTS = ("ok", "degraded", "failed", "unreliable", "latency_count", "latency_sum")
_COLUMNS = ("monitor_id", "bucket_start", *_COUNTS, "latency_min", "latency_max", "histogram")
ENCODE_CHUNK = 2000  # rows encoded between two turns of the loop

# The stored histogram plus the partial's, bucket by bucket, as a JSON object.
_HISTOGRAM_SUM = {
    "sqlite": (
        "(SELECT json_group_object(key, total) FROM (SELECT key, sum(value) AS total"
        " FROM (SELECT key, value FROM json_each({t}.histogram)"
        " UNION ALL SELECT key, value FROM json_each(excluded.histogram))"
        " GROUP BY key ORDER BY CAST(key AS INTEGER)))"
    ),
    "postgresql": (
        "(SELECT coalesce(json_object_agg(key, total ORDER BY key::int), '{{}}')"
        " FROM (SELECT key, sum(value::int) AS total"
        " FROM (SELECT key, value FROM json_each_text({t}.histogram)"
        " UNION ALL SELECT key, value FROM json_each_text(excluded.histogram)) AS parts"
        " GROUP BY key) AS sums)"
    ),
}
# Both dialects: a NULL (no latency yet) never wins, a smaller (larger) value does.
_EXTREME = (
    "CASE WHEN {t}.{c} IS NULL OR excluded.{c} {op} {t}.{c} THEN excluded.{c} ELSE {t}.{c} END"
)


@cache
def upsert_sql(dialect: str, table: str) -> str:
    """The statement adding one partial row to its stored row, for a driver's paramstyle."""
    marks = placeholders(dialect, len(_COLUMNS))
    sets = [f"{c} = {table}.{c} + excluded.{c}" for c in _COUNTS]
    sets.append("latency_min = " + _EXTREME.format(t=table, c="latency_min", op="<"))
    sets.append("latency_max = " + _EXTREME.format(t=table, c="latency_max", op=">"))
    sets.append("histogram = " + _HISTOGRAM_SUM[dialect].format(t=table))
    return (
        f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({marks})"
        f" ON CONFLICT (monitor_id, bucket_start) DO UPDATE SET {', '.join(sets)}"
    )


def histogram_json(histogram: Mapping[int, int]) -> str:
    """{bucket index: count} as stored: a JSON object, indexes as strings, in order."""
    return "{" + ",".join(f'"{k}":{v}' for k, v in sorted(histogram.items())) + "}"


async def encode_rows(dialect: Dialect, table: Table, partials: Mapping[Key, Rollup]) -> list[Row]:
    """The driver's parameter rows of `partials`, a chunk at a time between turns of the loop."""
    bucket_param = bind_processor(dialect, table.c.bucket_start)
    buckets: dict[datetime, Any] = {}
    rows: list[Row] = []
    for n, ((monitor_id, bucket), r) in enumerate(partials.items(), 1):
        stored = buckets.get(bucket)
        if stored is None:
            stored = buckets[bucket] = bucket_param(bucket)
        rows.append(
            (
                monitor_id,
                stored,
                r.ok,
                r.degraded,
                r.failed,
                r.unreliable,
                r.latency_count,
                r.latency_sum,
                r.latency_min,
                r.latency_max,
                histogram_json(r.histogram),
            )
        )
        if n % ENCODE_CHUNK == 0:
            await asyncio.sleep(0)
    return rows


async def add_rows(conn: AsyncConnection, table: Table, rows: Iterable[Row]) -> None:
    """Add encoded partial rows (encode_rows) to the stored rows: one executemany."""
    await execute_rows(conn, upsert_sql(conn.dialect.name, table.name), rows)


async def merge_rollups(
    conn: AsyncConnection, table: Table, partials: Mapping[Key, Rollup]
) -> None:
    """Add partial rollups to the stored rows of the same (monitor, bucket)."""
    await add_rows(conn, table, await encode_rows(conn.dialect, table, partials))
