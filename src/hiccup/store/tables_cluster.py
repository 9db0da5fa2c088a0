"""Leases that let several servers share one PostgreSQL database.

Every change here needs an Alembic migration (revision 0008 created these tables).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from hiccup.store.tables import UtcDateTime, metadata

# Duties that must run on one server at a time (maintenance, rollups, heartbeat deadlines...):
# a row per duty, held until `expires_at` unless its holder renews it.
leases = Table(
    "leases",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

# One row per monitor (added as monitors appear, removed with them). A server runs and judges
# the monitors whose row it holds; a row with no holder, or an expired one, is up for claims.
monitor_leases = Table(
    "monitor_leases",
    metadata,
    Column(
        "monitor_id", String(12), ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("holder", String(200)),
    Column("expires_at", UtcDateTime),
    Index(None, "holder"),
)

# The servers alive now (`seen_until` in the future), so each knows its fair share of monitors.
servers = Table(
    "servers",
    metadata,
    Column("holder", String(200), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("seen_until", UtcDateTime, nullable=False),
)
