"""The status service: turns confirmed monitor transitions into component status and incidents.

It claims unprocessed events (healthchecks' pattern): the claim, the component change and the
incident change commit together, so each transition is applied exactly once, even across restarts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hiccup.core.clock import Clock
from hiccup.core.components import group_status, status_from_counts, status_from_monitors
from hiccup.core.incidents import (
    IncidentAction,
    IncidentStatus,
    auto_title,
    escalation_body,
    is_trouble,
    opening_body,
    resolution_body,
    trouble_over_later,
)
from hiccup.core.language import ENGLISH, Language, speaking
from hiccup.core.logs import Repeats
from hiccup.core.public import AffectedComponent
from hiccup.core.status import (
    ComponentStatus,
    MonitorState,
    impact_for_status,
    worse_impact,
    worst,
)
from hiccup.notify.alerts import on_transition
from hiccup.notify.notices import component_update, enqueue_notice
from hiccup.status.incidents import open_incident, post_update
from hiccup.status.publication import (
    claim_due,
    due_components,
    incident_wording,
    plan_and_remember,
    recovery_wording,
)
from hiccup.store.applied import (
    applied_counts,
    applied_states,
    later_transitions,
    mark_applied,
    transition_public_state,
)
from hiccup.store.incidents import OpenIncident, find_open_auto_incident
from hiccup.store.leases import serialize_status_changes
from hiccup.store.maintenance import components_under_maintenance
from hiccup.store.operator_status import in_operator_incident, operator_statuses
from hiccup.store.recording import TRANSITION_EVENT
from hiccup.store.tables import components, events, monitor_states, monitors, pages

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ComponentChange:
    component: Any  # the component row
    time_zone: str
    previous: ComponentStatus
    current: ComponentStatus
    started_at: datetime
    # False when transitions still waiting already end this trouble: it is recorded, and
    # subscribers hear of it once, from its resolution.
    told: bool = True


async def _component_status(conn: AsyncConnection, component_id: str) -> ComponentStatus:
    # As applied so far, not the newest state: events applied late each count from their moment.
    return status_from_counts(await applied_counts(conn, component_id))


async def _over_later(
    conn: AsyncConnection, component_id: str, current: ComponentStatus, after_event: int | None
) -> bool:
    """Whether this trouble, applied late, is already ended by a transition still waiting."""
    if after_event is None or not is_trouble(current):
        return False
    states = await applied_states(conn, component_id)
    if status_from_monitors(list(states.values())) is not current:
        return False  # maintenance or an operator decides this status, not the monitors
    return trouble_over_later(states, await later_transitions(conn, states, after_event))


async def _set_status(
    conn: AsyncConnection, component_id: str, status: ComponentStatus, now: datetime
) -> None:
    await conn.execute(
        update(components)
        .where(components.c.id == component_id)
        .values(status=status.value, updated_at=now)
    )


async def _refresh_group(conn: AsyncConnection, group_id: str, now: datetime) -> None:
    query = select(components.c.status).where(components.c.group_id == group_id)
    members = [ComponentStatus(s) for s in (await conn.execute(query)).scalars()]
    group = (
        await conn.execute(select(components.c.status).where(components.c.id == group_id))
    ).scalar_one()
    derived = group_status(members)
    if derived.value != group:
        await _set_status(conn, group_id, derived, now)


async def _component_row(conn: AsyncConnection, component_id: str) -> Any:
    query = (
        select(components, pages.c.time_zone)
        .join(pages, pages.c.id == components.c.page_id)
        .where(components.c.id == component_id)
    )
    return (await conn.execute(query)).mappings().first()


async def _current_status(conn: AsyncConnection, component_id: str) -> ComponentStatus:
    """Under maintenance overrides what the monitors say; otherwise the monitors decide."""
    if await components_under_maintenance(conn, [component_id]):
        return ComponentStatus.UNDER_MAINTENANCE
    # An operator's open incident may say worse than the monitors do: the worse one shows.
    declared = await operator_statuses(conn, component_id)
    return worst([await _component_status(conn, component_id), *declared])


async def _change_for(
    conn: AsyncConnection,
    component_id: str,
    started_at: datetime,
    now: datetime,
    after_event: int | None,
) -> ComponentChange | None:
    row = await _component_row(conn, component_id)
    if row is None:
        return None
    current = await _current_status(conn, component_id)
    previous = ComponentStatus(row["status"])
    told = True
    if current is not previous:
        told = not await _over_later(conn, component_id, current, after_event)
        await _set_status(conn, row["id"], current, now)
        if row["group_id"]:
            await _refresh_group(conn, row["group_id"], now)
        if told:
            notice = component_update(row["page_id"], row["id"], row["name"], previous, current)
            await enqueue_notice(conn, notice, now)
    return ComponentChange(row, row["time_zone"], previous, current, started_at, told)


async def _open(
    conn: AsyncConnection,
    change: ComponentChange,
    now: datetime,
    affected: AffectedComponent,
    since: datetime,
) -> None:
    row = change.component
    name = auto_title(row["name"], change.current)
    body = opening_body(row["name"], change.current, since, change.time_zone)
    # A missed job run or an expiring certificate is told as such, not as "not answering".
    words = await incident_wording(conn, row["id"], row["name"])
    if words is not None:
        name, body = words[0], f"We are investigating. {words[1]}"
    await open_incident(
        conn,
        page_id=row["page_id"],
        name=name,
        impact=impact_for_status(change.current),
        body=body,
        started_at=since,
        now=now,
        component_ids=[row["id"]],
        affected=[affected],
        auto_component_id=row["id"],
        notify=change.told,
    )


async def _follow_up(
    conn: AsyncConnection,
    change: ComponentChange,
    incident: OpenIncident,
    action: IncidentAction,
    now: datetime,
    affected: AffectedComponent,
) -> None:
    name = change.component["name"]
    if action is IncidentAction.RESOLVE:
        kind = await recovery_wording(conn, change.component["id"])
        body = resolution_body(name, incident.started_at, change.started_at, change.time_zone, kind)
        await post_update(
            conn,
            incident.id,
            IncidentStatus.RESOLVED,
            body,
            now,
            [affected],
            resolved_at=change.started_at,
        )
        return
    impact = worse_impact(incident.impact, impact_for_status(change.current))
    body = escalation_body(name, change.current)
    await post_update(
        conn,
        incident.id,
        IncidentStatus.INVESTIGATING,
        body,
        now,
        [affected],
        impact=impact,
        notify=change.told,
    )


async def refresh_component(
    conn: AsyncConnection,
    component_id: str,
    started_at: datetime,
    now: datetime,
    *,
    after_event: int | None = None,
) -> bool:
    """Re-derive a component's status and act on its automatic incident; True if anything
    changed. `started_at` is when the condition that prompted this began; `after_event`, the
    transition event being applied (later ones may already end the trouble)."""
    await serialize_status_changes(conn)  # several servers: one at a time (held till commit)
    change = await _change_for(conn, component_id, started_at, now, after_event)
    if change is None:
        return False
    row = change.component
    incident = await find_open_auto_incident(conn, row["id"])
    # Opens only once the trouble lasted the component's publish_after (a stored deadline).
    plan = await plan_and_remember(
        conn,
        row["id"],
        has_open=incident is not None,
        previous=change.previous,
        current=change.current,
        started_at=started_at,
        now=now,
    )
    action = plan.action
    if change.current is ComponentStatus.UNDER_MAINTENANCE:
        action = IncidentAction.NONE  # outages inside a maintenance window open no incident
    if action is IncidentAction.OPEN and await in_operator_incident(conn, row["id"]):
        action = IncidentAction.NONE  # the operator is already telling customers about it
    affected = AffectedComponent(row["id"], row["name"], change.previous, change.current)
    if action is IncidentAction.OPEN:
        await _open(conn, change, now, affected, plan.trouble_since or started_at)
    elif action is not IncidentAction.NONE and incident is not None:
        await _follow_up(conn, change, incident, action, now, affected)
    return change.previous is not change.current or action is not IncidentAction.NONE


async def apply_transition(
    conn: AsyncConnection, payload: dict[str, Any], now: datetime, event_id: int | None = None
) -> bool:
    """Update the monitor's component and its automatic incident from this transition's own
    states and times; True if anything changed."""
    # A check that never answered is the operator's business: the page sees no trouble.
    await mark_applied(conn, payload["monitor_id"], transition_public_state(payload))
    query = select(monitors.c.component_id).where(monitors.c.id == payload["monitor_id"])
    component_id = (await conn.execute(query)).scalar()
    held = component_id is not None and bool(
        await components_under_maintenance(conn, [component_id])
    )
    if not held:
        # Operator alerts commit with the claim of this transition: one alert per transition.
        await on_transition(conn, payload, now)
    if component_id is None:
        return False
    started_at = datetime.fromisoformat(payload["started_at"])
    return await refresh_component(conn, component_id, started_at, now, after_event=event_id)


async def release_held_alerts(
    conn: AsyncConnection, component_ids: Sequence[str], since: datetime, now: datetime
) -> None:
    """At a window's end, alert for monitors still in trouble: their alerts were held."""
    query = (
        select(monitor_states.c.monitor_id, monitor_states.c.state)
        .join(monitors, monitors.c.id == monitor_states.c.monitor_id)
        .where(monitors.c.component_id.in_(list(component_ids)), monitors.c.enabled)
    )
    for monitor_id, state in await conn.execute(query):
        if state in (MonitorState.DOWN.value, MonitorState.DEGRADED.value):
            payload = {
                "monitor_id": monitor_id,
                "previous": MonitorState.UP.value,
                "current": state,
                "started_at": since.isoformat(),
                "confirmed_at": now.isoformat(),
            }
            await on_transition(conn, payload, now)


async def _claim(conn: AsyncConnection, event_id: int, now: datetime) -> bool:
    claimed = await conn.execute(
        update(events)
        .where(events.c.id == event_id, events.c.processed_at.is_(None))
        .values(processed_at=now)
    )
    return claimed.rowcount == 1


class StatusService:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        on_change: Callable[[], None],
        language: Language = ENGLISH,
    ) -> None:
        """language: the page's, for the words of the incidents this service opens (they are
        stored once and shown as written on every page, feed and mail)."""
        self._engine = engine
        self._clock = clock
        self._on_change = on_change
        self._language = language
        self.wake = asyncio.Event()
        self._failing = Repeats(log, "status service could not process events; retrying")

    async def _pending_ids(self) -> list[int]:
        query = (
            select(events.c.id)
            .where(events.c.processed_at.is_(None), events.c.kind == TRANSITION_EVENT)
            .order_by(events.c.id)
            .limit(500)
        )
        async with self._engine.connect() as conn:
            return list((await conn.execute(query)).scalars())

    async def _apply_one(self, event_id: int) -> bool:
        now = self._clock.now()
        async with self._engine.begin() as conn:
            # Before the claim's row lock: taken after it, two servers could deadlock.
            await serialize_status_changes(conn)
            if not await _claim(conn, event_id, now):
                return False
            payload = (
                await conn.execute(select(events.c.payload).where(events.c.id == event_id))
            ).scalar_one()
            with speaking(self._language):
                return await apply_transition(conn, payload, now, event_id)

    async def _publish_one(self, component_id: str, now: datetime) -> bool:
        async with self._engine.begin() as conn:
            await serialize_status_changes(conn)
            since = await claim_due(conn, component_id, now)
            if since is None:
                return False
            with speaking(self._language):
                return await refresh_component(conn, component_id, since, now)

    async def _publish_due(self) -> int:
        """Open the incidents whose outage reached publish_after with no event since."""
        now = self._clock.now()
        async with self._engine.connect() as conn:
            due = await due_components(conn, now)
        return sum([await self._publish_one(component_id, now) for component_id in due])

    async def process_pending(self) -> int:
        """Apply every unprocessed transition in order, then the publication deadlines that
        passed; returns how many changed something."""
        changed = 0
        for event_id in await self._pending_ids():
            changed += await self._apply_one(event_id)
        changed += await self._publish_due()
        if changed:
            self._on_change()
        return changed

    async def run(self, poll_seconds: float = 2.0) -> None:
        while True:
            try:
                await self.process_pending()
            except Exception as error:
                # The database may be gone for a while; events wait in it and are applied later.
                self._failing.failed(error)
            else:
                self._failing.recovered()
            self.wake.clear()
            try:
                async with asyncio.timeout(poll_seconds):
                    await self.wake.wait()
            except TimeoutError:
                pass
