"""Accounts and operator tools: users, sessions, API tokens, login throttling, audit log,
setup links, incident templates, operator-set component statuses and monitor tags."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from hiccup.store.tables import AutoId, UtcDateTime, metadata, monitors

users = Table(
    "users",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("totp_secret", String(64)),
    Column("totp_enabled", Boolean, nullable=False, default=False),
    # The last accepted TOTP time step: a code is never accepted twice.
    Column("totp_last_step", AutoId),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Only a hash of the cookie value is stored: a read-only database leak opens no session.
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", String(12), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("stage", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("address", String(64), nullable=False, default=""),
    Index(None, "user_id"),
    Index(None, "expires_at"),  # expired sessions are pruned (hiccup.engine.housekeeping)
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("user_id", String(12), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Column("expires_at", UtcDateTime),  # None: until revoked
)

# Persisted so a restart does not hand an attacker a fresh set of guesses.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("locked_until", UtcDateTime),
    Column("last_failure_at", UtcDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(120), nullable=False, default=""),
    Column("summary", String(500), nullable=False, default=""),
    Column("address", String(64), nullable=False, default=""),
    Index(None, "at"),
)

setup_tokens = Table(
    "setup_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
)

incident_templates = Table(
    "incident_templates",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("impact", String(16), nullable=False),
    # The incident's first status and each component's status: [{component_id, status}].
    Column("status", String(16), nullable=False, default="investigating"),
    Column("components", JSON, nullable=False, default=list),
    # From hiccup.yaml (`incident_templates:`): rewritten at each start, read-only in the admin.
    Column("declared", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# What the operator said each component's status is during an incident; while the incident is
# open it counts alongside the monitors (the worse one shows).
incident_statuses = Table(
    "incident_statuses",
    metadata,
    Column(
        "incident_id", String(12), ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "component_id",
        String(12),
        ForeignKey("components.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("status", String(32), nullable=False),
    Index(None, "component_id"),
)

monitor_tags = Table(
    "monitor_tags",
    metadata,
    Column(
        "monitor_id", String(12), ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("tag", String(50), primary_key=True),
    Index(None, "tag", "monitor_id"),
)

# The admin dashboard pages through 10,000 monitors ordered by name and filters by component.
Index("ix_monitors_name", monitors.c.name)
Index("ix_monitors_component_id", monitors.c.component_id)

# One-time TOTP recovery codes: only a hash is kept; a used code keeps its row (used_at set)
# so the account page can say how many are left.
totp_recovery_codes = Table(
    "totp_recovery_codes",
    metadata,
    Column("user_id", String(12), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("code_hash", String(64), primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
)
