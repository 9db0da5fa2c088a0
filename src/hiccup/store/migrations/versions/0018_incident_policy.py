"""public incidents by policy: publish_after per page and component, operator-only monitors,
incidents and outages marked false

Revision ID: 0018
Revises: 0001 (it changes pages, components, monitors, incidents and outages made there)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0001"
branch_labels = None
depends_on = "0001"

Utc = sa.DateTime(timezone=True)
DUE = sa.text("publish_due_at IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(
            sa.Column("incidents", sa.String(8), nullable=False, server_default="auto")
        )
        batch.add_column(
            sa.Column("publish_after_s", sa.Float(), nullable=False, server_default="300")
        )
    with op.batch_alter_table("components") as batch:
        batch.add_column(sa.Column("incidents", sa.String(8), nullable=True))
        batch.add_column(sa.Column("publish_after_s", sa.Float(), nullable=True))
        batch.add_column(sa.Column("trouble_since", Utc, nullable=True))
        batch.add_column(sa.Column("publish_due_at", Utc, nullable=True))
    op.create_index(
        "ix_components_publish_due_at",
        "components",
        ["publish_due_at"],
        sqlite_where=DUE,
        postgresql_where=DUE,
    )
    # A constant default ("1", true on both databases): with an expression such as sa.true()
    # SQLite's batch mode copies `monitors` into a new table and drops the old one, and with
    # foreign keys on that drop deletes every monitor's results, outages and state (ON DELETE
    # CASCADE). tests/store/test_upgrade_from_first_schema.py holds rows in every table.
    with op.batch_alter_table("monitors") as batch:
        batch.add_column(sa.Column("public", sa.Boolean(), nullable=False, server_default="1"))
    for table in ("incidents", "outages"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("false_at", Utc, nullable=True))


def downgrade() -> None:
    for table in ("incidents", "outages"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("false_at")
    with op.batch_alter_table("monitors") as batch:
        batch.drop_column("public")
    op.drop_index("ix_components_publish_due_at", table_name="components")
    with op.batch_alter_table("components") as batch:
        for column in ("publish_due_at", "trouble_since", "publish_after_s", "incidents"):
            batch.drop_column(column)
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("publish_after_s")
        batch.drop_column("incidents")
