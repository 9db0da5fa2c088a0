"""Heartbeat monitors' secret ping tokens and deadlines.

Every change here needs an Alembic migration (revision 0002 created this table).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table

from hiccup.store.tables import UtcDateTime, metadata

# One row per heartbeat monitor. `due_at` is stored rather than derived from the last ping
# (healthchecks' `alert_after`): the watcher asks "who is overdue" through its index instead
# of scanning every monitor, and a restart keeps each deadline.
heartbeats = Table(
    "heartbeats",
    metadata,
    Column(
        "monitor_id", String(12), ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("token", String(64), nullable=False, unique=True),
    Column("last_ping_at", UtcDateTime),
    Column("last_start_at", UtcDateTime),
    Column("due_at", UtcDateTime),
    Index(None, "due_at"),
)
