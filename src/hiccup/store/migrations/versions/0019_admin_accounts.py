"""TOTP recovery codes (hashed, one use each); incident templates carry a status and the
components' statuses, and may be declared in hiccup.yaml

Revision ID: 0019a
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019a"
down_revision = "0001"
branch_labels = None
depends_on = "0007"  # users and incident_templates are made there

Utc = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "totp_recovery_codes",
        sa.Column("user_id", sa.String(12), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", Utc, nullable=False),
        sa.Column("used_at", Utc, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_totp_recovery_codes_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "code_hash", name="pk_totp_recovery_codes"),
    )
    with op.batch_alter_table("incident_templates") as batch:
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="investigating")
        )
        batch.add_column(sa.Column("components", sa.JSON, nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("declared", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_templates") as batch:
        batch.drop_column("declared")
        batch.drop_column("components")
        batch.drop_column("status")
    op.drop_table("totp_recovery_codes")
