"""remote probes: tokens, votes, inbox, health events; monitors.probes and monitors.quorum

Revision ID: 0009
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_DT = sa.DateTime(timezone=True)
AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _monitor_fk(table: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["monitor_id"],
        ["monitors.id"],
        name=f"fk_{table}_monitor_id_monitors",
        ondelete=ondelete,
    )


def _probes() -> None:
    op.create_table(
        "probes",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(20), nullable=False),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.Column("last_seen_at", UTC_DT, nullable=True),
        sa.Column("revoked_at", UTC_DT, nullable=True),
        sa.Column("healthy", sa.Boolean(), nullable=False),
        sa.Column("health_reason", sa.String(200), nullable=True),
        sa.Column("health_flips", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_probes"),
        sa.UniqueConstraint("token_hash", name="uq_probes_token_hash"),
    )


def _votes() -> None:
    op.create_table(
        "probe_votes",
        sa.Column("monitor_id", sa.String(12), nullable=False),
        sa.Column("probe", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("at", UTC_DT, nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("healthy", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("lonely_streak", sa.Integer(), nullable=False),
        sa.Column("agree_streak", sa.Integer(), nullable=False),
        _monitor_fk("probe_votes"),
        sa.PrimaryKeyConstraint("monitor_id", "probe", name="pk_probe_votes"),
    )


def _inbox_and_events() -> None:
    op.create_table(
        "probe_inbox",
        sa.Column("id", AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("monitor_id", sa.String(12), nullable=False),
        sa.Column("probe", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("received_at", UTC_DT, nullable=False),
        _monitor_fk("probe_inbox"),
        sa.PrimaryKeyConstraint("id", name="pk_probe_inbox"),
    )
    op.create_table(
        "probe_events",
        sa.Column("id", AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("probe", sa.String(64), nullable=False),
        sa.Column("healthy", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("monitor_id", sa.String(12), nullable=True),
        sa.Column("at", UTC_DT, nullable=False),
        _monitor_fk("probe_events", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_probe_events"),
    )
    op.create_index("ix_probe_events_at", "probe_events", ["at"])


def upgrade() -> None:
    _probes()
    _votes()
    _inbox_and_events()
    # Constant defaults: SQLite adds these columns in place, without copying `monitors`.
    with op.batch_alter_table("monitors") as batch:
        batch.add_column(sa.Column("probes", sa.JSON(), nullable=False, server_default='["local"]'))
        batch.add_column(
            sa.Column("quorum", sa.String(16), nullable=False, server_default="majority")
        )
    remote = sa.text("probe != 'local'")
    op.create_index(
        "uq_results_remote",
        "results",
        ["monitor_id", "probe", "at"],
        unique=True,
        sqlite_where=remote,
        postgresql_where=remote,
    )


def downgrade() -> None:
    op.drop_index("uq_results_remote", table_name="results")
    with op.batch_alter_table("monitors") as batch:
        batch.drop_column("quorum")
        batch.drop_column("probes")
    op.drop_index("ix_probe_events_at", table_name="probe_events")
    for table in ("probe_events", "probe_inbox", "probe_votes", "probes"):
        op.drop_table(table)
