"""Raw check results, slim: about 33 bytes a check on SQLite, indexes included (#18 item 3).

A result row is all integers keyed by (monitor key, time in epoch milliseconds, probe): no
12-character monitor id, no datetime text, no JSON. On SQLite the table is `WITHOUT ROWID`, so
the rows live in the primary key's b-tree and nothing else indexes them. What only a failure
needs (its error text) sits in `result_details`, written for results with an error only; the
phases are small integer columns of the row. Reading and writing them is `hiccup.store.results`.

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

# The phases a result row keeps, each as `<phase>_ms` ("total" is its latency).
PHASE_COLUMNS = ("dns", "connect", "tls", "first_byte")

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
    # The phases, whole milliseconds, NULL when the kind has no such step (a NULL costs a
    # byte on SQLite, a value 1-3): every result's, so the console draws ok ones too (#14).
    *(Column(f"{phase}_ms", Integer) for phase in PHASE_COLUMNS),
    sqlite_with_rowid=False,
)

# The error of the results that have one, same key. `phases` is only read: rows written before
# revision 0026_result_phases kept a failure's phases here; newer ones are on the result row.
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

# The certificate the newest check of a monitor read (tls, and http on https): one row a
# monitor, rewritten only when the certificate changes (its fingerprint), so a steady one costs
# no write. The detail columns (revision 0026) are NULL in rows written before them.
monitor_certs = Table(
    "monitor_certs",
    metadata,
    Column(
        "monitor_id", String(12), ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("not_after", UtcDateTime, nullable=False),
    Column("not_before", UtcDateTime),
    Column("subject_cn", String(200)),
    Column("issuer_cn", String(200)),
    Column("issuer_org", String(200)),
    Column("alt_names", JSON),  # a list of DNS names and IP addresses, at most 100
    Column("serial", String(64)),  # hex; RFC 5280 allows 20 bytes, some issue a little more
    Column("fingerprint", String(64)),  # SHA-256, hex
)
