"""Notification tables: channels, alert rules and their triggered state, subscribers, the outbox.

Every change here needs an Alembic migration (revision 0003 created these).
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
    Text,
    UniqueConstraint,
    text,
    true,
)

from hiccup.store.tables import AutoId, UtcDateTime, metadata

# Secrets Hiccup generates once and keeps (the token signing key when HICCUP_SECRET_KEY is unset).
notify_settings = Table(
    "notify_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Operator channels (email, webhook, apprise); a permanent failure disables one until it changes.
notify_channels = Table(
    "notify_channels",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("key", String(100), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("target", String(2000), nullable=False),
    Column("options", JSON, nullable=False, default=dict),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("disabled_reason", String(500)),
    Column("declared", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Selectors are keys (monitor keys, component keys): empty lists select everything.
alert_rules = Table(
    "alert_rules",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("key", String(100), nullable=False, unique=True),
    Column("channels", JSON, nullable=False, default=list),
    Column("monitors", JSON, nullable=False, default=list),
    Column("components", JSON, nullable=False, default=list),
    Column("events", JSON, nullable=False, default=list),
    Column("remind_every_s", Float),
    Column("declared", Boolean, nullable=False, default=False),
    # Turned off in the admin or API (0024): it sends nothing and keeps no triggered state.
    Column("enabled", Boolean, nullable=False, default=True, server_default=true()),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# gatus' persisted "triggered" state, per monitor and rule, so a restart neither re-fires nor
# forgets. `due_at` is the next thing to do (a reminder, or releasing a held child alert):
# the scheduler reads due rows through a partial index instead of scanning.
alert_states = Table(
    "alert_states",
    metadata,
    Column(
        "monitor_id", String(12), ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "rule_id", String(12), ForeignKey("alert_rules.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("state", String(16), nullable=False),
    Column("phase", String(16), nullable=False),
    Column("held_by", String(12)),
    Column("triggered_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime),
    Column("reminders", Integer, nullable=False, default=0),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(
        "ix_alert_states_due",
        "due_at",
        sqlite_where=text("due_at IS NOT NULL"),
    ),
)

# `depends_on`: while the parent is down, alerts of its children are folded into the parent's.
monitor_dependencies = Table(
    "monitor_dependencies",
    metadata,
    Column(
        "monitor_id", String(12), ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("parent_id", String(12), ForeignKey("monitors.id", ondelete="CASCADE"), nullable=False),
    Index(None, "parent_id"),
)

subscribers = Table(
    "subscribers",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("page_id", String(12), ForeignKey("pages.id", ondelete="CASCADE"), nullable=False),
    # The page of the site they signed up on (site_pages.slug): they hear of nothing else.
    Column("site_page", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("address", String(2000), nullable=False),
    Column("owner_email", String(320)),
    Column("all_components", Boolean, nullable=False, default=True),
    # Cleared when the confirmation link is used, so a link works once.
    Column("confirm_nonce", String(32)),
    Column("confirmed_at", UtcDateTime),
    Column("unsubscribed_at", UtcDateTime),
    Column("disabled_reason", String(500)),
    Column("declared", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("page_id", "site_page", "kind", "address"),
)

subscriber_components = Table(
    "subscriber_components",
    metadata,
    Column(
        "subscriber_id",
        String(12),
        ForeignKey("subscribers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "component_id",
        String(12),
        ForeignKey("components.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Index(None, "component_id"),
)

# What was said, once per notice or alert; outbox rows point at it and render per recipient.
notify_messages = Table(
    "notify_messages",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("content", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column(
        "message_id",
        AutoId,
        ForeignKey("notify_messages.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # Stable across retries and restarts: Message-ID and Idempotency-Key are derived from it.
    Column("idempotency_key", String(255), nullable=False, unique=True),
    Column("transport", String(16), nullable=False),
    Column("channel_id", String(12), ForeignKey("notify_channels.id", ondelete="CASCADE")),
    Column("subscriber_id", String(12), ForeignKey("subscribers.id", ondelete="CASCADE")),
    Column("recipient", String(2000)),  # overrides the channel's or subscriber's address
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("lease_owner", String(32)),
    Column("lease_until", UtcDateTime),
    Column("last_error", String(500)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    Index(
        "ix_outbox_due",
        "transport",
        "next_attempt_at",
        sqlite_where=text("state = 'pending'"),
    ),
    Index(None, "subscriber_id"),
    Index(None, "channel_id"),
)

outbox_attempts = Table(
    "outbox_attempts",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("outbox_id", AutoId, ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("error", String(500)),
    Column("permanent", Boolean, nullable=False, default=False),
    Index(None, "outbox_id"),
)
