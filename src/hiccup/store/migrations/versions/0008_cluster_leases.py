"""cluster: duty leases, monitor leases and the servers that hold them

Revision ID: 0008
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_DT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("expires_at", UTC_DT, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_leases"),
    )
    op.create_table(
        "monitor_leases",
        sa.Column("monitor_id", sa.String(12), nullable=False),
        sa.Column("holder", sa.String(200), nullable=True),
        sa.Column("expires_at", UTC_DT, nullable=True),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            name="fk_monitor_leases_monitor_id_monitors",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("monitor_id", name="pk_monitor_leases"),
    )
    op.create_index("ix_monitor_leases_holder", "monitor_leases", ["holder"])
    op.create_table(
        "servers",
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC_DT, nullable=False),
        sa.Column("seen_until", UTC_DT, nullable=False),
        sa.PrimaryKeyConstraint("holder", name="pk_servers"),
    )


def downgrade() -> None:
    op.drop_table("servers")
    op.drop_index("ix_monitor_leases_holder", table_name="monitor_leases")
    op.drop_table("monitor_leases")
    op.drop_table("leases")
