"""Component statuses an operator set in an incident. While the incident is open they count
beside what the monitors say (the worse shows); once it is resolved they no longer count."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import bindparam, delete, insert, select

from hiccup.core.status import ComponentStatus
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.tables import incident_components, incidents
from hiccup.store.tables_accounts import incident_statuses


async def set_statuses(
    conn: AsyncConnection, incident_id: str, statuses: Sequence[tuple[str, ComponentStatus]]
) -> None:
    ids = [component_id for component_id, _ in statuses]
    if not ids:
        return
    await conn.execute(
        delete(incident_statuses).where(
            incident_statuses.c.incident_id == incident_id,
            incident_statuses.c.component_id.in_(ids),
        )
    )
    rows = [{"incident_id": incident_id, "component_id": c, "status": s.value} for c, s in statuses]
    await conn.execute(insert(incident_statuses), rows)


_DECLARED = (
    select(incident_statuses.c.component_id, incident_statuses.c.status)
    .join(incidents, incidents.c.id == incident_statuses.c.incident_id)
    .where(
        incident_statuses.c.component_id.in_(bindparam("b_ids", expanding=True)),
        incidents.c.resolved_at.is_(None),
    )
)


async def operator_statuses(conn: AsyncConnection, component_id: str) -> list[ComponentStatus]:
    return (await operator_statuses_of(conn, [component_id])).get(component_id, [])


async def operator_statuses_of(
    conn: AsyncConnection, component_ids: Collection[str]
) -> dict[str, list[ComponentStatus]]:
    """The statuses open operator incidents set, by component (absent: none). Built once: the
    status service asks for every transition it applies."""
    found: dict[str, list[ComponentStatus]] = {}
    for component_id, status in await conn.execute(_DECLARED, {"b_ids": list(component_ids)}):
        found.setdefault(component_id, []).append(ComponentStatus(status))
    return found


async def in_operator_incident(conn: AsyncConnection, component_id: str) -> bool:
    """Whether an open incident an operator opened covers this component: then no automatic
    incident is opened beside it (customers would read about one outage twice)."""
    query = (
        select(incidents.c.id)
        .join(incident_components, incident_components.c.incident_id == incidents.c.id)
        .where(
            incident_components.c.component_id == component_id,
            incidents.c.resolved_at.is_(None),
            incidents.c.auto_component_id.is_(None),
        )
        .limit(1)
    )
    return (await conn.execute(query)).first() is not None


async def statuses_of(conn: AsyncConnection, incident_id: str) -> dict[str, ComponentStatus]:
    query = select(incident_statuses.c.component_id, incident_statuses.c.status).where(
        incident_statuses.c.incident_id == incident_id
    )
    return {c: ComponentStatus(s) for c, s in await conn.execute(query)}
