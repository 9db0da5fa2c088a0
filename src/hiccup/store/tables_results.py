"""Raw check results, slim: about 25 bytes a check on SQLite, indexes included (#18 item 3).

A result row is all integers keyed by (monitor key, time in epoch milliseconds, probe): no
12-character monitor id, no datetime text, no JSON. On SQLite the table is `WITHOUT ROWID`, so
the rows live in the primary key's b-tree and nothing else indexes them. What only a failure
needs (its error text and its phases) sits in `result_details`, written for failed, degraded
or erring results only. Reading and writing them is `hiccup.store.results`.

Every change here needs an Alembic migration (revision 0019 made these tables).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Table,
    true,
)

from hiccup.store.tables import metadata
from hiccup.store.timestamps import UtcDateTime

# A small integer per monitor: 1-3 bytes a row instead of the 12-character id.
monitor_keys = Table(
    "monitor_keys",
    metadata,
    Column("key", Integer, primary_key=True, autoincrement=True),
    Column(
        "monitor_id",
        String(12),
        ForeignKey("monitors.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
)


def _key_columns() -> list[Column[object]]:
    return [
        Column(
            "monitor_key",
            Integer,
            ForeignKey("monitor_keys.key", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column("at", BigInteger, primary_key=True),  # when the check started, epoch ms UTC
        # "" for the server's own checks (no bytes on SQLite), else the probe's name. Part of
        # the key: a retried probe upload is stored once (ON CONFLICT DO NOTHING).
        Column("probe", String(64), primary_key=True),
    ]


results = Table(
    "results",
    metadata,
    *_key_columns(),
    Column("verdict", SmallInteger, nullable=False),  # store.results.VERDICT_CODES
    Column("latency_ms", Integer),  # whole milliseconds
    Column("status_code", SmallInteger),
    # False when Hiccup itself ran late or its loop was blocked: not counted as a failure.
    Column("reliable", Boolean, nullable=False, default=True, server_default=true()),
    sqlite_with_rowid=False,
)

# The error and phases of the results that need them (not ok, or with an error), same key.
result_details = Table(
    "result_details",
    metadata,
    *_key_columns(),
    Column("error", String(500)),
    Column("phases", JSON),
    sqlite_with_rowid=False,
)

# Results written behind the rollups' fold mark (held while the database was away, a probe's
# backlog): copies the fold takes out, since its time window has passed them already.
results_late = Table(
    "results_late",
    metadata,
    *_key_columns(),
    Column("verdict", SmallInteger, nullable=False),
    Column("latency_ms", Integer),
    Column("reliable", Boolean, nullable=False),
    sqlite_with_rowid=False,
)

# When the certificate the newest check of a monitor read ends (tls, and http on https): one
# row a monitor, rewritten only when the date changes, so ok results carry no phases for it.
monitor_certs = Table(
    "monitor_certs",
    metadata,
    Column(
        "monitor_id", String(12), ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("not_after", UtcDateTime, nullable=False),
)
