"""Incident rows: open, post an update, resolve. Used by the status service and the admin."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from hiccup.core.ids import new_id
from hiccup.core.incidents import IncidentStatus
from hiccup.core.public import AffectedComponent
from hiccup.core.status import IncidentImpact
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc
from hiccup.store.tables import incident_components, incident_updates, incidents


@dataclass(frozen=True, slots=True)
class OpenIncident:
    id: str
    name: str
    impact: IncidentImpact
    started_at: datetime


def _affected_json(affected: Sequence[AffectedComponent]) -> list[dict[str, str]]:
    return [
        {
            "id": a.id,
            "name": a.name,
            "old_status": a.old_status.value,
            "new_status": a.new_status.value,
        }
        for a in affected
    ]


async def open_incident(
    conn: AsyncConnection,
    *,
    page_id: str,
    name: str,
    impact: IncidentImpact,
    body: str,
    started_at: datetime,
    now: datetime,
    component_ids: Sequence[str],
    affected: Sequence[AffectedComponent] = (),
    auto_component_id: str | None = None,
    status: IncidentStatus = IncidentStatus.INVESTIGATING,
    notify: bool = True,
) -> tuple[str, str]:
    """Write a new incident and its first update; returns (incident id, update id)."""
    incident_id = new_id()
    await conn.execute(
        insert(incidents).values(
            id=incident_id,
            page_id=page_id,
            name=name,
            status=status.value,
            impact=impact.value,
            auto_component_id=auto_component_id,
            started_at=started_at,
            created_at=now,
            updated_at=now,
        )
    )
    if component_ids:
        rows = [{"incident_id": incident_id, "component_id": c} for c in component_ids]
        await conn.execute(insert(incident_components), rows)
    update_id = await post_update(conn, incident_id, status, body, now, affected, notify=notify)
    return incident_id, update_id


async def post_update(
    conn: AsyncConnection,
    incident_id: str,
    status: IncidentStatus,
    body: str,
    now: datetime,
    affected: Sequence[AffectedComponent] = (),
    *,
    impact: IncidentImpact | None = None,
    resolved_at: datetime | None = None,
    notify: bool = True,
) -> str:
    """Write an update; returns its id. `notify` is recorded with it: whether subscribers are
    to be told (hiccup.status.incidents queues the notice in the same transaction)."""
    update_id = new_id()
    await conn.execute(
        insert(incident_updates).values(
            id=update_id,
            incident_id=incident_id,
            status=status.value,
            body=body,
            affected=_affected_json(affected),
            notify=notify,
            created_at=now,
            display_at=now,
        )
    )
    changes: dict[str, Any] = {"status": status.value, "updated_at": now}
    if impact is not None:
        changes["impact"] = impact.value
    if status is IncidentStatus.MONITORING:
        changes["monitoring_at"] = now
    if status is IncidentStatus.RESOLVED:
        changes["resolved_at"] = resolved_at or now
    await conn.execute(update(incidents).where(incidents.c.id == incident_id).values(**changes))
    return update_id


_OPEN_AUTO = select(incidents).where(
    incidents.c.auto_component_id.in_(bindparam("b_ids", expanding=True)),
    incidents.c.resolved_at.is_(None),
)


async def find_open_auto_incident(conn: AsyncConnection, component_id: str) -> OpenIncident | None:
    return (await open_auto_incidents(conn, [component_id])).get(component_id)


async def open_auto_incidents(
    conn: AsyncConnection, component_ids: Collection[str]
) -> dict[str, OpenIncident]:
    """The open automatic incident of each of these components that has one. Built once:
    the status service asks for every transition it applies."""
    found: dict[str, OpenIncident] = {}
    rows = await conn.execute(_OPEN_AUTO, {"b_ids": sorted(set(component_ids))})
    for row in rows.mappings():
        # One per component (the status lock); were there two, the first found, as before.
        found.setdefault(
            row["auto_component_id"],
            OpenIncident(
                row["id"], row["name"], IncidentImpact(row["impact"]), utc(row["started_at"])
            ),
        )
    return found
