"""SQLite: drop scheduled maintenance windows stored at their local wall clock, to be made again

Revision ID: 0014
Revises: 0001 (needs 0006)

Before 0014's release, a window of a maintenance in a zone other than UTC was stored on SQLite
at its local wall clock as if it were UTC (15:49 in Los Angeles as 15:49 UTC). Windows not yet
started are dropped here, as when their definition changes: the maintenance worker makes them
again at the right instant on its next pass and announces them again (the first announcement
said the wrong time). Started and completed windows are history and stay. PostgreSQL always
stored the zone: nothing to do there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0001"
branch_labels = None
depends_on = "0006"

_SCHEDULED = sa.text(
    "SELECT w.id, w.scheduled_for, m.time_zone FROM maintenance_windows w"
    " JOIN maintenances m ON m.id = w.maintenance_id WHERE w.status = 'scheduled'"
)


def _misplaced(stored: str | datetime, time_zone: str) -> bool:
    """Whether this wall clock, read in its zone, is another instant than read as UTC."""
    wall = stored if isinstance(stored, datetime) else datetime.fromisoformat(stored)
    return ZoneInfo(time_zone).utcoffset(wall) != timedelta(0)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    rows = bind.execute(_SCHEDULED).all()
    wrong = [window_id for window_id, stored, zone in rows if _misplaced(stored, zone)]
    if not wrong:
        return
    for table, column in (
        ("maintenance_updates", "window_id"),
        ("maintenance_window_components", "window_id"),
        ("maintenance_windows", "id"),
    ):
        statement = sa.text(f"DELETE FROM {table} WHERE {column} IN :ids")
        bind.execute(statement.bindparams(sa.bindparam("ids", expanding=True)), {"ids": wrong})


def downgrade() -> None:
    """Nothing to undo: the windows dropped are made again from their definitions."""
