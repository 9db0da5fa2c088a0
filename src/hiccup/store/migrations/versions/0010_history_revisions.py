"""history revisions: a counter the database moves when an ended outage is written or deleted

Revision ID: 0010
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0001"
branch_labels = None
depends_on = None

_BUMP = "UPDATE history_revisions SET revision = revision + 1 WHERE subject = 'closed_outages'"
# Which row must have ended for a write to count: the recorder opens outages (no end yet) and
# closes them (the old row had none), and neither touches the counter. An insert of an ended
# outage counts too, for SQLite's INSERT OR REPLACE, which deletes without firing a trigger.
_EVENTS = {"insert": "NEW", "update": "OLD", "delete": "OLD"}

_SQLITE_TRIGGER = """
CREATE TRIGGER tr_outages_closed_{event} AFTER {EVENT} ON outages
FOR EACH ROW WHEN {row}.ended_at IS NOT NULL
BEGIN {bump}; END
"""

_PG_FUNCTION = f"""
CREATE FUNCTION bump_closed_outages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_BUMP};
    RETURN NULL;
END
$$
"""

# PostgreSQL: (name, events, the row whose end counts); a WHEN cannot name OLD on INSERT.
_PG_TRIGGERS = (("insert", "INSERT", "NEW"), ("changed", "UPDATE OR DELETE", "OLD"))
_PG_TRIGGER = """
CREATE TRIGGER tr_outages_closed_{name} AFTER {events} ON outages
FOR EACH ROW WHEN ({row}.ended_at IS NOT NULL) EXECUTE FUNCTION bump_closed_outages()
"""


def _create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for name, events, row in _PG_TRIGGERS:
            op.execute(_PG_TRIGGER.format(name=name, events=events, row=row))
        return
    for event, row in _EVENTS.items():
        op.execute(_SQLITE_TRIGGER.format(event=event, EVENT=event.upper(), row=row, bump=_BUMP))


def upgrade() -> None:
    history_revisions = op.create_table(
        "history_revisions",
        sa.Column("subject", sa.String(32), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("subject", name="pk_history_revisions"),
    )
    assert history_revisions is not None
    op.bulk_insert(history_revisions, [{"subject": "closed_outages", "revision": 0}])
    _create_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, _, _ in _PG_TRIGGERS:
            op.execute(f"DROP TRIGGER tr_outages_closed_{name} ON outages")
        op.execute("DROP FUNCTION bump_closed_outages()")
    else:
        for event in _EVENTS:
            op.execute(f"DROP TRIGGER tr_outages_closed_{event}")
    op.drop_table("history_revisions")
