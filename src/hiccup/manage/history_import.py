"""Incidents brought from another status page (`hiccup import statuspage --history`): written
with their own dates and every update, told to nobody, once (a second import skips them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from hiccup.core.incidents import IncidentStatus
from hiccup.core.status import IncidentImpact
from hiccup.manage.components import resolve_page
from hiccup.manage.context import Actor, Change, Ops, change
from hiccup.status.incidents import open_incident, post_update
from hiccup.store.tables import components, incidents


@dataclass(frozen=True, slots=True)
class UpdateRecord:
    status: IncidentStatus
    body: str
    at: datetime  # with an offset


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    name: str
    impact: IncidentImpact
    started_at: datetime
    component_keys: tuple[str, ...]
    updates: tuple[UpdateRecord, ...]  # oldest first; the first opens the incident
    postmortem: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryReport:
    written: int
    already_there: int


async def _exists(c: Change, page_id: str, record: IncidentRecord) -> bool:
    query = select(incidents.c.id).where(
        incidents.c.page_id == page_id,
        incidents.c.name == record.name,
        incidents.c.started_at == record.started_at,
    )
    return (await c.conn.execute(query)).first() is not None


async def _write(c: Change, page_id: str, keys: dict[str, str], record: IncidentRecord) -> None:
    first, *later = record.updates
    opening = (
        first.status
        if first.status is not IncidentStatus.RESOLVED
        else (IncidentStatus.INVESTIGATING)
    )
    incident_id = await open_incident(
        c.conn,
        page_id=page_id,
        name=record.name,
        impact=record.impact,
        body=first.body,
        started_at=record.started_at,
        now=first.at,
        component_ids=[keys[k] for k in record.component_keys if k in keys],
        status=opening,
        notify=False,
    )
    if first.status is IncidentStatus.RESOLVED:
        later.insert(0, first)  # resolved in one update: opened and resolved at once
    for item in later:
        resolved = item.at if item.status is IncidentStatus.RESOLVED else None
        await post_update(
            c.conn, incident_id, item.status, item.body, item.at, resolved_at=resolved, notify=False
        )
    if record.postmortem and later and later[-1].status is IncidentStatus.RESOLVED:
        values = {"postmortem": record.postmortem, "status": IncidentStatus.POSTMORTEM.value}
        await c.conn.execute(update(incidents).where(incidents.c.id == incident_id).values(values))


async def record_history(
    ops: Ops, actor: Actor, records: Sequence[IncidentRecord]
) -> HistoryReport:
    """Write `records` on the server's page in one transaction; the page's components must be
    synced first (the config the import wrote). Incidents already there are skipped."""
    written = skipped = 0
    async with change(ops, actor) as c:
        page_id = await resolve_page(c.conn, ops, None)
        query = select(components.c.key, components.c.id).where(components.c.page_id == page_id)
        keys = {str(k): str(i) for k, i in await c.conn.execute(query)}
        for record in records:
            if not record.updates or await _exists(c, page_id, record):
                skipped += 1
                continue
            await _write(c, page_id, keys, record)
            written += 1
        await c.audit("incident.import", f"{written} incidents", f"{skipped} already there")
    ops.refresh_public()
    return HistoryReport(written, skipped)
