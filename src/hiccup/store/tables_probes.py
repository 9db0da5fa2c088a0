"""Remote probes: their tokens, their latest votes per monitor, their health, and the inbox
through which results reach the server that owns a monitor.

Every change here needs an Alembic migration (revision 0009 created these tables).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from hiccup.store.tables import AutoId, UtcDateTime, metadata

# One row per probe; the token is stored as its SHA-256 (shown once, like API tokens) and
# authenticates `/api/v1/probe/` only. `healthy` is the probe as a whole: unhealthy while it is
# flagged on any monitor; `health_flips` numbers its changes so one change is alerted once even
# when two servers notice it at the same moment.
probes = Table(
    "probes",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(20), nullable=False),
    Column("region", String(64)),  # as the agent last reported it
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Column("healthy", Boolean, nullable=False, default=True),
    Column("health_reason", String(200)),
    Column("health_flips", Integer, nullable=False, default=0),
)

# The quorum's memory per monitor and place ("local" is the server): the latest report and the
# place's health for this monitor. The page's per-region latency is read from here.
probe_votes = Table(
    "probe_votes",
    metadata,
    Column(
        "monitor_id", String(12), ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("probe", String(64), primary_key=True),
    Column("region", String(64), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("latency_ms", Float),
    Column("healthy", Boolean, nullable=False, default=True),
    Column("reason", String(200)),
    Column("lonely_streak", Integer, nullable=False, default=0),
    Column("agree_streak", Integer, nullable=False, default=0),
)

# Results that arrived at a server which does not own their monitor (a probe upload, a
# heartbeat ping behind a load balancer); the owner takes them out and judges them.
probe_inbox = Table(
    "probe_inbox",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("monitor_id", String(12), ForeignKey("monitors.id", ondelete="CASCADE"), nullable=False),
    Column("probe", String(64), nullable=False),
    Column("region", String(64), nullable=False),
    # A check result with its monitor and start (store.probe_results).
    Column("result", JSON, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
)

# "probe eu-1 unhealthy: disagrees with every other probe" — for operators, never an outage.
probe_events = Table(
    "probe_events",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("probe", String(64), nullable=False),
    Column("healthy", Boolean, nullable=False),
    Column("reason", String(200)),
    Column("monitor_id", String(12), ForeignKey("monitors.id", ondelete="SET NULL")),
    Column("at", UtcDateTime, nullable=False),
    Index(None, "at"),
)
