"""Migration 0017 starts each monitor's applied state where the status service stands: the
newest state, or, with transitions still waiting, the state before the first of them."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from types import ModuleType

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, insert, select

from hiccup.core.status import MonitorState
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import MIGRATIONS
from hiccup.store.recording import TRANSITION_EVENT
from hiccup.store.tables import events, monitor_states
from tests.support.store_helpers import START, pipeline


def migration() -> ModuleType:
    path = MIGRATIONS / "versions" / "0017_applied_state.py"
    spec = importlib.util.spec_from_file_location("applied_state_0017", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def redo(connection: Connection) -> None:
    module = migration()
    with Operations.context(MigrationContext.configure(connection)):
        module.downgrade()
        module.upgrade()


def transition(monitor_id: str, previous: MonitorState, current: MonitorState) -> dict[str, object]:
    payload = {
        "monitor_id": monitor_id,
        "previous": previous.value,
        "current": current.value,
        "started_at": START.isoformat(),
        "confirmed_at": (START + timedelta(minutes=1)).isoformat(),
    }
    return {"kind": TRANSITION_EVENT, "payload": payload, "created_at": START}


async def test_waiting_transitions_are_applied_from_before_the_first_of_them(
    engine: AsyncEngine,
) -> None:
    p = await pipeline(engine)
    flexo, amy = p.spec("flexo").id, p.spec("amy").id
    down, up = MonitorState.DOWN, MonitorState.UP
    async with engine.begin() as conn:
        rows: list[dict[str, object]] = [
            {"monitor_id": m, "track": {}, "state": down.value} for m in (flexo, amy)
        ]
        await conn.execute(insert(monitor_states), rows)
        # flexo's fall is written but not applied yet; amy's was applied long ago.
        await conn.execute(insert(events), [transition(flexo, up, down)])
        await conn.run_sync(redo)
    async with engine.connect() as conn:
        query = select(monitor_states.c.monitor_id, monitor_states.c.applied_state)
        applied = {str(m): str(s) for m, s in await conn.execute(query)}
    assert applied == {flexo: up.value, amy: down.value}
