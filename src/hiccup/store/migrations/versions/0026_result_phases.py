"""results: the phases (dns, connect, tls, first byte) as whole-millisecond columns of every
result, so the console draws the phases of ok results too (#14); they were kept for failures
only, as JSON in result_details, since the slim results (#18)

Revision ID: 0026_result_phases
Revises: 0001; after 0019 (the slim results)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_result_phases"
down_revision = "0001"
branch_labels = None
depends_on = "0019"

# Fixed here, not imported: a migration must not change when the code's list does.
PHASES = ("dns", "connect", "tls", "first_byte")


def upgrade() -> None:
    # Nullable and without a default: SQLite and PostgreSQL add such a column without
    # rewriting the table, however many results it holds. Older rows keep NULL (their
    # failures' phases stay in result_details, which the reader still falls back to).
    with op.batch_alter_table("results") as batch:
        for phase in PHASES:
            batch.add_column(sa.Column(f"{phase}_ms", sa.Integer()))


def downgrade() -> None:
    with op.batch_alter_table("results") as batch:
        for phase in reversed(PHASES):
            batch.drop_column(f"{phase}_ms")
