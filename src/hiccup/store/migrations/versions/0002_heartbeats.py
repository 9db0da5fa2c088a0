"""heartbeats: ping tokens and deadlines of heartbeat monitors

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "heartbeats",
        sa.Column("monitor_id", sa.String(length=12), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("last_ping_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            name="fk_heartbeats_monitor_id_monitors",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("monitor_id", name="pk_heartbeats"),
        sa.UniqueConstraint("token", name="uq_heartbeats_token"),
    )
    op.create_index("ix_heartbeats_due_at", "heartbeats", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_heartbeats_due_at", table_name="heartbeats")
    op.drop_table("heartbeats")
