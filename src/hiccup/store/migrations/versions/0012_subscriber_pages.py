"""subscribers belong to one page of the site; site_pages says what each page shows

Revision ID: 0012
Revises: 0003 (it changes the subscribers table made there)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0003"
branch_labels = None
depends_on = None

_OLD_UNIQUE = "uq_subscribers_page_id_kind_address"
_NEW_UNIQUE = "uq_subscribers_page_id_site_page_kind_address"


def upgrade() -> None:
    op.create_table(
        "site_pages",
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("page_id", sa.String(12), nullable=False),
        sa.Column("public_id", sa.String(12), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("prefix", sa.String(80), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("component_keys", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], name="fk_site_pages_page_id_pages", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("slug", name="pk_site_pages"),
    )
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(sa.Column("site_page", sa.String(64), nullable=True))
    # Every subscriber so far signed up on the instance's own page, whose slug is its page's.
    op.execute(
        "UPDATE subscribers SET site_page = "
        "(SELECT pages.slug FROM pages WHERE pages.id = subscribers.page_id)"
    )
    with op.batch_alter_table("subscribers") as batch:
        batch.alter_column("site_page", existing_type=sa.String(64), nullable=False)
        batch.drop_constraint(_OLD_UNIQUE, type_="unique")
        batch.create_unique_constraint(_NEW_UNIQUE, ["page_id", "site_page", "kind", "address"])


def downgrade() -> None:
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_constraint(_NEW_UNIQUE, type_="unique")
        batch.create_unique_constraint(_OLD_UNIQUE, ["page_id", "kind", "address"])
        batch.drop_column("site_page")
    op.drop_table("site_pages")
