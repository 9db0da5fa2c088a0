"""A component's status is derived from counts of its monitors' applied states, counted by the
database: the same monitors, the same states as reading every monitor's row."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from hiccup.core.status import MonitorState
from hiccup.store.applied import applied_counts, applied_states
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import components
from tests.support.store_helpers import CONFIG, pipeline

# A second public monitor on flexo, and an operator-only one that must not be counted.
MORE = (
    "  - {name: flexo api, kind: http, target: 'http://127.0.0.1:9/api', component: flexo}\n"
    "  - {name: flexo cert, kind: tls, target: '127.0.0.1:4', component: flexo, interval: 1m}\n"
)


async def test_counts_match_the_applied_states_of_public_monitors(engine: AsyncEngine) -> None:
    flow = await pipeline(engine, CONFIG + MORE)
    for _ in range(4):
        await flow.minute(**{"flexo http": True, "flexo api": False, "flexo cert": False})
    async with engine.connect() as conn:
        ids = (await conn.execute(select(components.c.id, components.c.name))).all()
        flexo = next(i for i, name in ids if name == "flexo")
        states = await applied_states(conn, flexo)
        counts = await applied_counts(conn, flexo)
    assert counts == Counter(states.values())
    # Both public monitors, one up and one down; the certificate is the operator's alone.
    assert counts == {MonitorState.UP: 1, MonitorState.DOWN: 1}
