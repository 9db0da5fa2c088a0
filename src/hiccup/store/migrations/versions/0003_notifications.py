"""notifications: channels, alert rules and states, dependencies, subscribers, outbox

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Utc = sa.DateTime(timezone=True)
PENDING = sa.text("state = 'pending'")
DUE = sa.text("due_at IS NOT NULL")


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=f"fk_{table}_{column}_{referred}", ondelete=ondelete
    )


def _settings_and_channels() -> None:
    op.create_table(
        "notify_settings",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", Utc, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_notify_settings"),
    )
    op.create_table(
        "notify_channels",
        sa.Column("id", sa.String(12), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(2000), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(500), nullable=True),
        sa.Column("declared", sa.Boolean(), nullable=False),
        sa.Column("created_at", Utc, nullable=False),
        sa.Column("updated_at", Utc, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notify_channels"),
        sa.UniqueConstraint("key", name="uq_notify_channels_key"),
    )


def _alerts() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.String(12), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("monitors", sa.JSON(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("remind_every_s", sa.Float(), nullable=True),
        sa.Column("declared", sa.Boolean(), nullable=False),
        sa.Column("created_at", Utc, nullable=False),
        sa.Column("updated_at", Utc, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alert_rules"),
        sa.UniqueConstraint("key", name="uq_alert_rules_key"),
    )
    op.create_table(
        "alert_states",
        sa.Column("monitor_id", sa.String(12), nullable=False),
        sa.Column("rule_id", sa.String(12), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("held_by", sa.String(12), nullable=True),
        sa.Column("triggered_at", Utc, nullable=False),
        sa.Column("due_at", Utc, nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("updated_at", Utc, nullable=False),
        _fk("alert_states", "monitor_id", "monitors.id"),
        _fk("alert_states", "rule_id", "alert_rules.id"),
        sa.PrimaryKeyConstraint("monitor_id", "rule_id", name="pk_alert_states"),
    )
    op.create_index(
        "ix_alert_states_due", "alert_states", ["due_at"], sqlite_where=DUE, postgresql_where=DUE
    )
    op.create_table(
        "monitor_dependencies",
        sa.Column("monitor_id", sa.String(12), nullable=False),
        sa.Column("parent_id", sa.String(12), nullable=False),
        _fk("monitor_dependencies", "monitor_id", "monitors.id"),
        _fk("monitor_dependencies", "parent_id", "monitors.id"),
        sa.PrimaryKeyConstraint("monitor_id", name="pk_monitor_dependencies"),
    )
    op.create_index("ix_monitor_dependencies_parent_id", "monitor_dependencies", ["parent_id"])


def _subscribers() -> None:
    op.create_table(
        "subscribers",
        sa.Column("id", sa.String(12), nullable=False),
        sa.Column("page_id", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("address", sa.String(2000), nullable=False),
        sa.Column("owner_email", sa.String(320), nullable=True),
        sa.Column("all_components", sa.Boolean(), nullable=False),
        sa.Column("confirm_nonce", sa.String(32), nullable=True),
        sa.Column("confirmed_at", Utc, nullable=True),
        sa.Column("unsubscribed_at", Utc, nullable=True),
        sa.Column("disabled_reason", sa.String(500), nullable=True),
        sa.Column("declared", sa.Boolean(), nullable=False),
        sa.Column("created_at", Utc, nullable=False),
        sa.Column("updated_at", Utc, nullable=False),
        _fk("subscribers", "page_id", "pages.id"),
        sa.PrimaryKeyConstraint("id", name="pk_subscribers"),
        sa.UniqueConstraint(
            "page_id", "kind", "address", name="uq_subscribers_page_id_kind_address"
        ),
    )
    op.create_table(
        "subscriber_components",
        sa.Column("subscriber_id", sa.String(12), nullable=False),
        sa.Column("component_id", sa.String(12), nullable=False),
        _fk("subscriber_components", "subscriber_id", "subscribers.id"),
        _fk("subscriber_components", "component_id", "components.id"),
        sa.PrimaryKeyConstraint("subscriber_id", "component_id", name="pk_subscriber_components"),
    )
    op.create_index(
        "ix_subscriber_components_component_id", "subscriber_components", ["component_id"]
    )


def _outbox() -> None:
    op.create_table(
        "notify_messages",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", Utc, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notify_messages"),
        sa.UniqueConstraint("key", name="uq_notify_messages_key"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("message_id", AutoId, nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("transport", sa.String(16), nullable=False),
        sa.Column("channel_id", sa.String(12), nullable=True),
        sa.Column("subscriber_id", sa.String(12), nullable=True),
        sa.Column("recipient", sa.String(2000), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Utc, nullable=False),
        sa.Column("lease_owner", sa.String(32), nullable=True),
        sa.Column("lease_until", Utc, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", Utc, nullable=False),
        sa.Column("delivered_at", Utc, nullable=True),
        _fk("outbox", "message_id", "notify_messages.id"),
        _fk("outbox", "channel_id", "notify_channels.id"),
        _fk("outbox", "subscriber_id", "subscribers.id"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
    )
    op.create_index(
        "ix_outbox_due",
        "outbox",
        ["transport", "next_attempt_at"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index("ix_outbox_subscriber_id", "outbox", ["subscriber_id"])
    op.create_index("ix_outbox_channel_id", "outbox", ["channel_id"])
    op.create_table(
        "outbox_attempts",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("outbox_id", AutoId, nullable=False),
        sa.Column("at", Utc, nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("permanent", sa.Boolean(), nullable=False),
        _fk("outbox_attempts", "outbox_id", "outbox.id"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_attempts"),
    )
    op.create_index("ix_outbox_attempts_outbox_id", "outbox_attempts", ["outbox_id"])


def upgrade() -> None:
    _settings_and_channels()
    _alerts()
    _subscribers()
    _outbox()


def downgrade() -> None:
    for table in (
        "outbox_attempts",
        "outbox",
        "notify_messages",
        "subscriber_components",
        "subscribers",
        "monitor_dependencies",
        "alert_states",
        "alert_rules",
        "notify_channels",
        "notify_settings",
    ):
        op.drop_table(table)
