"""accounts, audit log, incident templates, operator component statuses, monitor tags

Revision ID: 0007
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_DT = sa.DateTime(timezone=True)
AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete="CASCADE"
    )


def _accounts() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(12), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("totp_enabled", sa.Boolean(), nullable=False),
        sa.Column("totp_last_step", AUTO_ID, nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.Column("updated_at", UTC_DT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(12), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.Column("expires_at", UTC_DT, nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        _fk("sessions", "user_id", "users"),
        sa.PrimaryKeyConstraint("id_hash", name="pk_sessions"),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(12), nullable=False),
        sa.Column("user_id", sa.String(12), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.Column("last_used_at", UTC_DT, nullable=True),
        sa.Column("revoked_at", UTC_DT, nullable=True),
        _fk("api_tokens", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTC_DT, nullable=True),
        sa.Column("last_failure_at", UTC_DT, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_login_throttle"),
    )
    op.create_table(
        "setup_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.Column("expires_at", UTC_DT, nullable=False),
        sa.Column("used_at", UTC_DT, nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_setup_tokens"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("at", UTC_DT, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(120), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def _operations() -> None:
    op.create_table(
        "incident_templates",
        sa.Column("id", sa.String(12), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("impact", sa.String(16), nullable=False),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.Column("updated_at", UTC_DT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incident_templates"),
        sa.UniqueConstraint("name", name="uq_incident_templates_name"),
    )
    op.create_table(
        "incident_statuses",
        sa.Column("incident_id", sa.String(12), nullable=False),
        sa.Column("component_id", sa.String(12), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        _fk("incident_statuses", "incident_id", "incidents"),
        _fk("incident_statuses", "component_id", "components"),
        sa.PrimaryKeyConstraint("incident_id", "component_id", name="pk_incident_statuses"),
    )
    op.create_index("ix_incident_statuses_component_id", "incident_statuses", ["component_id"])
    op.create_table(
        "monitor_tags",
        sa.Column("monitor_id", sa.String(12), nullable=False),
        sa.Column("tag", sa.String(50), nullable=False),
        _fk("monitor_tags", "monitor_id", "monitors"),
        sa.PrimaryKeyConstraint("monitor_id", "tag", name="pk_monitor_tags"),
    )
    op.create_index("ix_monitor_tags_tag_monitor_id", "monitor_tags", ["tag", "monitor_id"])
    op.create_index("ix_monitors_name", "monitors", ["name"])
    op.create_index("ix_monitors_component_id", "monitors", ["component_id"])


def upgrade() -> None:
    _accounts()
    _operations()


def downgrade() -> None:
    op.drop_index("ix_monitors_component_id", table_name="monitors")
    op.drop_index("ix_monitors_name", table_name="monitors")
    for table in (
        "monitor_tags",
        "incident_statuses",
        "incident_templates",
        "audit_log",
        "setup_tokens",
        "login_throttle",
        "api_tokens",
        "sessions",
        "users",
    ):
        op.drop_table(table)
