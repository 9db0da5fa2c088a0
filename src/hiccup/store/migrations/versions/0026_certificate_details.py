"""monitor_certs: the details of the certificate each monitor's newest check read (issuer,
subject, names, validity, serial, SHA-256 fingerprint) beside its end, for the console (#14)

Revision ID: 0026
Revises: 0001 (monitors was made by 0001); after 0025 (monitor_certs)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0001"
branch_labels = None
depends_on = "0025"

# NULL in the rows already there: the next check that reads the certificate fills them (a row
# without a fingerprint differs from every certificate).
COLUMNS = (
    ("not_before", sa.DateTime(timezone=True)),
    ("subject_cn", sa.String(200)),
    ("issuer_cn", sa.String(200)),
    ("issuer_org", sa.String(200)),
    ("alt_names", sa.JSON()),
    ("serial", sa.String(64)),
    ("fingerprint", sa.String(64)),
)


def upgrade() -> None:
    with op.batch_alter_table("monitor_certs") as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_))


def downgrade() -> None:
    with op.batch_alter_table("monitor_certs") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
