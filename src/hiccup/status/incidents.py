"""Incidents as subscribers hear of them: the store writes the incident or its update, then
its notice is queued in the same transaction, so both commit or neither does. Every writer of
incidents (the status service, the admin and the API, the demo) comes through here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hiccup.core.incidents import IncidentStatus
from hiccup.core.public import AffectedComponent
from hiccup.core.status import IncidentImpact
from hiccup.notify.notices import enqueue_notice, incident_notice
from hiccup.store import incidents as stored
from hiccup.store.asyncio_engine import AsyncConnection


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
) -> str:
    """Open an incident and tell its subscribers (unless `notify` is false); returns its id."""
    incident_id, update_id = await stored.open_incident(
        conn,
        page_id=page_id,
        name=name,
        impact=impact,
        body=body,
        started_at=started_at,
        now=now,
        component_ids=component_ids,
        affected=affected,
        auto_component_id=auto_component_id,
        status=status,
        notify=notify,
    )
    await _tell(conn, incident_id, update_id, body, now, notify)
    return incident_id


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
    """Post an update and tell subscribers (unless `notify` is false); returns its id."""
    update_id = await stored.post_update(
        conn,
        incident_id,
        status,
        body,
        now,
        affected,
        impact=impact,
        resolved_at=resolved_at,
        notify=notify,
    )
    await _tell(conn, incident_id, update_id, body, now, notify)
    return update_id


async def _tell(
    conn: AsyncConnection, incident_id: str, update_id: str, body: str, now: datetime, notify: bool
) -> None:
    if notify:
        notice = await incident_notice(conn, incident_id, update_id, body, notify)
        await enqueue_notice(conn, notice, now)
