"""outages.before_reached: trouble that began before the monitor's check ever answered (a typo
in the target) stays in the operator's history and out of public uptime

Revision ID: 0019_never_reached
Revises: 0001 (outages was made there)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_never_reached"
down_revision = "0001"
branch_labels = None
depends_on = "0001"  # outages


def upgrade() -> None:
    # Outages stored before this were public: they stay so (false).
    with op.batch_alter_table("outages") as batch:
        batch.add_column(
            sa.Column("before_reached", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("outages") as batch:
        batch.drop_column("before_reached")
