"""Maintenance definitions (one-off or recurring) and their materialized windows."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hiccup.store.tables import UtcDateTime, metadata
from hiccup.store.timestamps import WallClock

maintenances = Table(
    "maintenances",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("page_id", String(12), ForeignKey("pages.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(100), nullable=False),
    Column("name", String(300), nullable=False),
    Column("message", Text, nullable=False, default=""),
    Column("time_zone", String(64), nullable=False),
    # Local wall-clock start in `time_zone`: recurrences keep their local hour across DST.
    Column("start_local", WallClock, nullable=False),
    Column("duration_s", Float, nullable=False),
    Column("rrule", String(500)),
    Column("remind_before_s", Float),
    Column("declared", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("page_id", "key"),
)

maintenance_components = Table(
    "maintenance_components",
    metadata,
    Column(
        "maintenance_id",
        String(12),
        ForeignKey("maintenances.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "component_id",
        String(12),
        ForeignKey("components.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

maintenance_windows = Table(
    "maintenance_windows",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("maintenance_id", String(12), ForeignKey("maintenances.id", ondelete="SET NULL")),
    Column("page_id", String(12), ForeignKey("pages.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(300), nullable=False),
    Column("status", String(16), nullable=False),
    Column("scheduled_for", UtcDateTime, nullable=False),
    Column("scheduled_until", UtcDateTime, nullable=False),
    Column("remind_at", UtcDateTime),
    Column("reminded_at", UtcDateTime),
    Column("started_at", UtcDateTime),
    Column("completed_at", UtcDateTime),
    Column("downtime_s", Float),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("maintenance_id", "scheduled_for"),
    Index(None, "status", "scheduled_for"),
)

# Copied per window so history keeps its components when the definition changes.
maintenance_window_components = Table(
    "maintenance_window_components",
    metadata,
    Column(
        "window_id",
        String(12),
        ForeignKey("maintenance_windows.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "component_id",
        String(12),
        ForeignKey("components.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

maintenance_updates = Table(
    "maintenance_updates",
    metadata,
    Column("id", String(12), primary_key=True),
    Column(
        "window_id",
        String(12),
        ForeignKey("maintenance_windows.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("status", String(16), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "window_id", "created_at"),
)
