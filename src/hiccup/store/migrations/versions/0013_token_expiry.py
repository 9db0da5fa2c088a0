"""api_tokens.expires_at: an API token may be given an end; sessions.expires_at indexed for pruning

Revision ID: 0013
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0001"
branch_labels = None
depends_on = "0007"  # api_tokens and sessions are made there, on a sibling branch


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_sessions_expires_at", table_name="sessions")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
