"""alert_rules.enabled: a rule turned off in the admin or API sends nothing until turned on

Revision ID: 0024
Revises: 0001 (alert_rules was made by 0003)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0001"
branch_labels = None
depends_on = "0003"


def upgrade() -> None:
    with op.batch_alter_table("alert_rules") as batch:
        batch.add_column(
            sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_rules") as batch:
        batch.drop_column("enabled")
