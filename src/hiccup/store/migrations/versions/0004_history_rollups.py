"""history: rollups, fold marks, results.reliable

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None

_OUTAGES_BY_END = "ix_outages_ended_at_monitor_id_state_started_at"


def _rollup_columns(table: str) -> list[sa.Column[object] | sa.Constraint]:
    return [
        sa.Column("monitor_id", sa.String(length=12), nullable=False),
        sa.Column("bucket_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Integer(), nullable=False),
        sa.Column("degraded", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("unreliable", sa.Integer(), nullable=False),
        sa.Column("latency_count", sa.Integer(), nullable=False),
        sa.Column("latency_sum", sa.Float(), nullable=False),
        sa.Column("latency_min", sa.Float(), nullable=True),
        sa.Column("latency_max", sa.Float(), nullable=True),
        sa.Column("histogram", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            name=op.f(f"fk_{table}_monitor_id_monitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("monitor_id", "bucket_start", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table("rollups_hourly", *_rollup_columns("rollups_hourly"), sqlite_with_rowid=False)
    op.create_index(
        op.f("ix_rollups_hourly_bucket_start"), "rollups_hourly", ["bucket_start"], unique=False
    )
    op.create_table("rollups_daily", *_rollup_columns("rollups_daily"), sqlite_with_rowid=False)
    op.create_table(
        "history_marks",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_history_marks")),
    )
    op.create_index(
        _OUTAGES_BY_END, "outages", ["ended_at", "monitor_id", "state", "started_at"], unique=False
    )
    # SQLite adds a column in place when it has a constant default: no table copy even when
    # `results` already holds millions of rows.
    with op.batch_alter_table("results") as batch:
        batch.add_column(
            sa.Column("reliable", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    op.drop_index(_OUTAGES_BY_END, table_name="outages")
    with op.batch_alter_table("results") as batch:
        batch.drop_column("reliable")
    op.drop_table("history_marks")
    op.drop_table("rollups_daily")
    op.drop_index(op.f("ix_rollups_hourly_bucket_start"), table_name="rollups_hourly")
    op.drop_table("rollups_hourly")
