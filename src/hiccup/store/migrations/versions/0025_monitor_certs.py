"""monitor_certs: when the certificate each monitor's newest check read ends (the dashboard's
days-left column), kept apart from the slim results

Revision ID: 0025
Revises: 0001 (monitors was made by 0001); after 0019 (the slim results)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0001"
branch_labels = None
depends_on = "0019"


def upgrade() -> None:
    op.create_table(
        "monitor_certs",
        sa.Column(
            "monitor_id",
            sa.String(12),
            sa.ForeignKey("monitors.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("monitor_certs")
