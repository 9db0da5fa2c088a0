"""Outages confirmed while results could not be written are applied later, each from its own
transition: two outages are two incidents with their own windows, and an outage already over
when it is applied is a resolved incident that subscribers hear of once.

The recorder keeps results and transitions in memory while the database is away; here they
pile up unflushed the same way, then reach the database in one batch, as after its return.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from hiccup.checks.base import CheckResult
from hiccup.core.incidents import IncidentStatus
from hiccup.core.status import ComponentStatus
from hiccup.core.timefmt import format_window
from hiccup.notify.notices import NoticeKind
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.codec import utc
from hiccup.store.tables import components, incident_updates, incidents
from hiccup.store.tables_notify import notify_messages
from tests.support.store_helpers import Pipeline, pipeline


def unwritten(p: Pipeline, *outcomes: bool) -> list[datetime]:
    """Checks of flexo a minute apart, kept in the recorder's memory: the database is away."""
    times = []
    for ok in outcomes:
        times.append(p.clock.now())
        result = CheckResult(ok=ok, latency_ms=10.0, error=None if ok else "connection refused")
        p.recorder.submit(p.spec("flexo"), result, p.clock.now())
        p.clock.advance(timedelta(minutes=1))
    return times


async def database_back(p: Pipeline) -> None:
    await p.recorder.flush()
    await p.status.process_pending()


async def flexo_incidents(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        query = select(incidents).order_by(incidents.c.started_at)
        rows = [dict(r) for r in (await conn.execute(query)).mappings()]
    for row in rows:  # SQLite hands back naive times
        row["started_at"], row["resolved_at"] = utc(row["started_at"]), utc(row["resolved_at"])
    return rows


async def notices(engine: AsyncEngine) -> list[tuple[NoticeKind, str | None]]:
    """Subscriber notices about incidents, in order: (kind, incident id). Written whether or
    not anyone subscribed yet."""
    async with engine.connect() as conn:
        query = select(notify_messages.c.kind, notify_messages.c.content)
        rows = (await conn.execute(query.order_by(notify_messages.c.id))).all()
    return [
        (NoticeKind(kind), content["notice"]["incident_id"])
        for kind, content in rows
        if kind.startswith("incident_")  # not operator alerts nor component updates
    ]


async def flexo_status(engine: AsyncEngine) -> ComponentStatus:
    async with engine.connect() as conn:
        query = select(components.c.status).where(components.c.name == "flexo")
        return ComponentStatus((await conn.execute(query)).scalar_one())


async def test_two_outages_during_a_database_outage_are_two_incidents(
    engine: AsyncEngine,
) -> None:
    p = await pipeline(engine)
    await p.minute(flexo=True)
    # Thresholds 3 and 2: down from the first of three failures, up from the first of two oks.
    first = unwritten(p, False, False, False, True, True)
    second = unwritten(p, False, False, False)
    await database_back(p)  # the second outage is still going on
    assert await flexo_status(engine) is ComponentStatus.MAJOR_OUTAGE
    ended = p.clock.now()
    await p.minute(flexo=True)
    await p.minute(flexo=True)

    done, current = await flexo_incidents(engine)
    assert (done["started_at"], done["resolved_at"]) == (first[0], first[3])
    assert done["status"] == IncidentStatus.RESOLVED
    assert (current["started_at"], current["resolved_at"]) == (second[0], ended)
    assert await flexo_status(engine) is ComponentStatus.OPERATIONAL
    # The first was over before it was applied: told once, resolved. The second as it went.
    assert await notices(engine) == [
        (NoticeKind.INCIDENT_RESOLVED, done["id"]),
        (NoticeKind.INCIDENT_OPENED, current["id"]),
        (NoticeKind.INCIDENT_RESOLVED, current["id"]),
    ]


async def test_an_outage_wholly_inside_a_database_outage_is_a_resolved_incident(
    engine: AsyncEngine,
) -> None:
    p = await pipeline(engine)
    await p.minute(flexo=True)
    times = unwritten(p, False, False, False, True, True, True)
    await database_back(p)

    [incident] = await flexo_incidents(engine)
    assert (incident["started_at"], incident["resolved_at"]) == (times[0], times[3])
    assert incident["status"] == IncidentStatus.RESOLVED
    assert await flexo_status(engine) is ComponentStatus.OPERATIONAL
    assert await notices(engine) == [(NoticeKind.INCIDENT_RESOLVED, incident["id"])]
    async with engine.connect() as conn:
        query = select(incident_updates.c.body).where(
            incident_updates.c.status == IncidentStatus.RESOLVED
        )
        resolution = (await conn.execute(query)).scalar_one()
    assert format_window(times[0], times[3], "UTC") in resolution
