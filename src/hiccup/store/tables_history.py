"""History at scale: hourly and daily rollups per monitor, and the fold's high-water marks.

Rollup rows are keyed by (monitor, bucket start in UTC). The histogram is stored sparse, as
{bucket index: count} (see hiccup.core.rollup for the fixed bucket bounds): most monitors'
latencies fall in a handful of buckets.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Float, ForeignKey, Index, Integer, String, Table

from hiccup.store.tables import UtcDateTime, metadata, outages


def _rollup_table(name: str, *extra: Index) -> Table:
    return Table(
        name,
        metadata,
        Column(
            "monitor_id",
            String(12),
            ForeignKey("monitors.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column("bucket_start", UtcDateTime, primary_key=True),
        Column("ok", Integer, nullable=False, default=0),
        Column("degraded", Integer, nullable=False, default=0),
        Column("failed", Integer, nullable=False, default=0),
        Column("unreliable", Integer, nullable=False, default=0),
        Column("latency_count", Integer, nullable=False, default=0),
        Column("latency_sum", Float, nullable=False, default=0.0),
        Column("latency_min", Float),
        Column("latency_max", Float),
        Column("histogram", JSON, nullable=False, default=dict),
        *extra,
        # SQLite: the rows live in the primary key's b-tree instead of beside a copy of it.
        sqlite_with_rowid=False,
    )


# Retention deletes the oldest hours first, across all monitors: it needs bucket_start alone.
rollups_hourly = _rollup_table("rollups_hourly", Index(None, "bucket_start"))
rollups_daily = _rollup_table("rollups_daily")

# Named counters that must commit with the work they describe, e.g. the id of the last raw
# result folded into the rollups.
history_marks = Table(
    "history_marks",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# The page's uptime bars read the outages still open or ended within their 90 days. Covering,
# so the years of closed outages behind them, and the table itself, are never touched.
OUTAGES_BY_END = Index(
    None, outages.c.ended_at, outages.c.monitor_id, outages.c.state, outages.c.started_at
)
