"""Incidents brought from another status page: dated as they were, every update kept, nobody
told, written once; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from hiccup.auth.principal import Principal
from hiccup.auth.roles import Role, role_permissions
from hiccup.config.load import parse_config
from hiccup.core.clock import ManualClock
from hiccup.core.incidents import IncidentStatus
from hiccup.core.status import IncidentImpact
from hiccup.manage.context import Actor, Ops
from hiccup.manage.history_import import IncidentRecord, UpdateRecord, record_history
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.sync import sync_config
from hiccup.store.tables import incident_updates, incidents
from hiccup.store.tables_notify import outbox

NOW = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
CONFIG = """
page: {name: Nimbus}
components:
  - name: Dashboard
  - name: API
"""
START = datetime(2026, 11, 2, 9, 5, tzinfo=UTC)
ACTOR = Actor(Principal("import", "hiccup import", Role.OWNER, role_permissions(Role.OWNER)))


def _record(name: str, *statuses: IncidentStatus, postmortem: str | None = None) -> IncidentRecord:
    updates = tuple(
        UpdateRecord(status, f"{status.value} note", START + timedelta(minutes=20 * n))
        for n, status in enumerate(statuses)
    )
    return IncidentRecord(
        name, IncidentImpact.MAJOR, START, ("dashboard", "gone"), updates, postmortem
    )


async def test_history_is_written_with_its_own_times_once(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await sync_config(conn, parse_config(CONFIG, Path("hiccup.yaml")), NOW)
    ops = Ops(engine, ManualClock(NOW))
    records = [
        _record(
            "Login failures",
            IncidentStatus.INVESTIGATING,
            IncidentStatus.MONITORING,
            IncidentStatus.RESOLVED,
            postmortem="An expired key.",
        ),
        _record("Slow API", IncidentStatus.IDENTIFIED),
        _record("Blip", IncidentStatus.RESOLVED),
    ]
    first = await record_history(ops, ACTOR, records)
    again = await record_history(ops, ACTOR, records)
    assert (first.written, first.already_there) == (3, 0)
    assert (again.written, again.already_there) == (0, 3)
    async with engine.connect() as conn:
        rows = {
            r.name: r
            for r in await conn.execute(
                select(
                    incidents.c.id,
                    incidents.c.name,
                    incidents.c.status,
                    incidents.c.started_at,
                    incidents.c.resolved_at,
                    incidents.c.postmortem,
                )
            )
        }
        login = rows["Login failures"]
        updates = list(
            await conn.execute(
                select(incident_updates.c.status, incident_updates.c.created_at)
                .where(incident_updates.c.incident_id == login.id)
                .order_by(incident_updates.c.created_at)
            )
        )
        queued = (await conn.execute(select(func.count()).select_from(outbox))).scalar()
    assert login.status == "postmortem"
    assert login.postmortem == "An expired key."
    assert login.started_at == START
    assert login.resolved_at == START + timedelta(minutes=40)
    assert [(u.status, u.created_at) for u in updates] == [
        ("investigating", START),
        ("monitoring", START + timedelta(minutes=20)),
        ("resolved", START + timedelta(minutes=40)),
    ]
    assert (rows["Slow API"].status, rows["Slow API"].resolved_at) == ("identified", None)
    assert rows["Blip"].status == "resolved"
    assert rows["Blip"].resolved_at == START
    assert queued == 0
