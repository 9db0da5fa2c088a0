"""monitor_states.applied_state: each monitor's state as the status service last applied it

Revision ID: 0017
Revises: 0001
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0001"
branch_labels = None
depends_on = "0001"  # monitor_states and events


def _payload(raw: Any) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else raw
    return found


def upgrade() -> None:
    with op.batch_alter_table("monitor_states") as batch:
        batch.add_column(
            sa.Column("applied_state", sa.String(16), nullable=False, server_default="unknown")
        )
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE monitor_states SET applied_state = state"))
    # Transitions still waiting start from the state before the first of them, so each is
    # applied from its own previous state rather than from the newest one.
    pending = bind.execute(
        sa.text(
            "SELECT payload FROM events WHERE processed_at IS NULL"
            " AND kind = 'monitor.transition' ORDER BY id"
        )
    )
    first: dict[str, str] = {}
    for (raw,) in pending:
        payload = _payload(raw)
        first.setdefault(payload["monitor_id"], payload["previous"])
    for monitor_id, previous in first.items():
        bind.execute(
            sa.text("UPDATE monitor_states SET applied_state = :state WHERE monitor_id = :id"),
            {"state": previous, "id": monitor_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("monitor_states") as batch:
        batch.drop_column("applied_state")
