"""The schema, as SQLAlchemy Core tables. Every change here needs an Alembic migration.

The migrations make the schema; nothing creates tables from these. A partial index names its
WHERE for SQLite only (`sqlite_where`): the migration makes it partial on PostgreSQL too, and a
`postgresql_where` here would load SQLAlchemy's PostgreSQL dialect into every SQLite server.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)

# Re-exported: every tables_*.py module takes its moment type from here.
from hiccup.store.timestamps import UtcDateTime as UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

AutoId = BigInteger().with_variant(Integer(), "sqlite")

pages = Table(
    "pages",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("url", String(500), nullable=False, default=""),
    Column("time_zone", String(64), nullable=False, default="UTC"),
    Column("history_days", Integer, nullable=False, default=90),
    Column("declared", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # Its components' publication policy unless they set their own (0018, core.publication).
    Column("incidents", String(8), nullable=False, default="auto", server_default="auto"),
    Column("publish_after_s", Float, nullable=False, default=300.0, server_default="300"),
)

components = Table(
    "components",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("page_id", String(12), ForeignKey("pages.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("group_id", String(12), ForeignKey("components.id", ondelete="SET NULL")),
    Column("is_group", Boolean, nullable=False, default=False),
    Column("position", Integer, nullable=False, default=0),
    Column("status", String(32), nullable=False, default="operational"),
    Column("declared", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("page_id", "key"),
    # None: the page's policy (0018).
    Column("incidents", String(8)),
    Column("publish_after_s", Float),
    # When its current trouble began, and when that trouble's incident goes public unless it
    # ends first: the status service opens it then even if no event arrives (core.publication).
    Column("trouble_since", UtcDateTime),
    Column("publish_due_at", UtcDateTime),
    Index(
        "ix_components_publish_due_at",
        "publish_due_at",
        sqlite_where=text("publish_due_at IS NOT NULL"),
    ),
)

# The pages of the public site (config `page:` and `pages:`), each a view of the instance's page
# cut by component keys. Subscriptions fan out through them, so a subscriber of one page never
# hears of another's components. Rewritten from the config at every start.
site_pages = Table(
    "site_pages",
    metadata,
    Column("slug", String(64), primary_key=True),
    Column("page_id", String(12), ForeignKey("pages.id", ondelete="CASCADE"), nullable=False),
    Column("public_id", String(12), nullable=False),  # the id its Statuspage JSON shows
    Column("name", String(200), nullable=False),
    Column("url", String(500), nullable=False),  # "": the instance's url (or base url)
    Column("prefix", String(80), nullable=False),  # "" at the root, "/p/<slug>" otherwise
    Column("private", Boolean, nullable=False),
    Column("component_keys", JSON),  # None: every component of the page
)

monitors = Table(
    "monitors",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("key", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("target", String(2000), nullable=False),
    Column("interval_s", Float, nullable=False),
    Column("timeout_s", Float, nullable=False),
    Column("options", JSON, nullable=False, default=dict),
    Column("failure_threshold", Integer, nullable=False, default=3),
    Column("success_threshold", Integer, nullable=False, default=2),
    Column("degraded_latency_ms", Float),
    Column("component_id", String(12), ForeignKey("components.id", ondelete="SET NULL")),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("declared", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # Where it runs ("local", probe regions, "all") and the quorum that judges it (0009).
    Column("probes", JSON, nullable=False, default=lambda: ["local"]),
    Column("quorum", String(16), nullable=False, default="majority"),
    Column("retry_interval_s", Float),  # None: always `interval_s`
    # False: operator-only; it alerts but never changes the page (0018).
    Column("public", Boolean, nullable=False, default=True, server_default=true()),
)

# The detector's memory of each monitor, so a restart neither re-fires nor forgets.
monitor_states = Table(
    "monitor_states",
    metadata,
    Column(
        "monitor_id", String(12), ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("track", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("last_result_at", UtcDateTime),
    # The state as the status service last applied it (0017): behind `state` while transition
    # events wait, so each event is applied from its own moment, not from the newest state.
    Column(
        "applied_state", String(16), nullable=False, default="unknown", server_default="unknown"
    ),
)

# Confirmed outages and degradations, from state changes: the source of downtime and uptime.
outages = Table(
    "outages",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("monitor_id", String(12), ForeignKey("monitors.id", ondelete="CASCADE"), nullable=False),
    Column("state", String(16), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    # Marked false by an operator (misconfigured monitor, probe fault): not public uptime (0018).
    Column("false_at", UtcDateTime),
    # Began before the monitor's check ever answered (a typo in the target, hiccup.core.reach):
    # the operator's history only, never public uptime (0019).
    Column("before_reached", Boolean, nullable=False, default=False, server_default=false()),
    Index(None, "monitor_id", "started_at"),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("page_id", String(12), ForeignKey("pages.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(300), nullable=False),
    Column("status", String(16), nullable=False),
    Column("impact", String(16), nullable=False),
    Column("auto_component_id", String(12), ForeignKey("components.id", ondelete="SET NULL")),
    Column("started_at", UtcDateTime, nullable=False),
    Column("monitoring_at", UtcDateTime),
    Column("resolved_at", UtcDateTime),
    Column("postmortem", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # Marked false by an operator: off the page and its history, kept for the audit log (0018).
    Column("false_at", UtcDateTime),
    Index(None, "page_id", "resolved_at"),
)

incident_components = Table(
    "incident_components",
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
)

incident_updates = Table(
    "incident_updates",
    metadata,
    Column("id", String(12), primary_key=True),
    Column(
        "incident_id", String(12), ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
    ),
    Column("status", String(16), nullable=False),
    Column("body", Text, nullable=False),
    Column("affected", JSON, nullable=False, default=list),
    Column("notify", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("display_at", UtcDateTime, nullable=False),
    Index(None, "incident_id", "created_at"),
)

# Changes recorded in the same transaction as their cause; workers claim unprocessed rows.
events = Table(
    "events",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("processed_at", UtcDateTime),
    Index(
        "ix_events_unprocessed",
        "id",
        sqlite_where=text("processed_at IS NULL"),
    ),
)
