"""The status service: turns confirmed monitor transitions into component status and incidents.

It claims unprocessed events (healthchecks' pattern): the claim, the component change and the
incident change commit together, so each transition is applied exactly once, even across restarts.
Events are claimed and applied in batches, one transaction each, every event still on its own
and in order (hiccup.status.facts keeps what the batch reads again and again).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update

from hiccup.core import logs
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
from hiccup.status.facts import Facts
from hiccup.status.incidents import open_incident, post_update
from hiccup.status.publication import (
    claim_due,
    due_components,
    incident_wording,
    plan_and_remember,
    recovery_wording,
)
from hiccup.store.applied import (
    applied_states,
    later_transitions,
    transition_public_state,
)
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.incidents import OpenIncident
from hiccup.store.leases import serialize_status_changes
from hiccup.store.operator_status import in_operator_incident
from hiccup.store.tables import components, monitor_states, monitors
from hiccup.store.transition_events import claim_transitions, pending_transitions

log = logging.getLogger(__name__)

# Transitions applied per transaction: one claim, one lock, one commit, shared reads
# (hiccup.status.facts). bench/status_pass.py --monitors 3000 --batch N, ms of CPU per
# transition over 1 component (over 100): N=1 8.5 (5.5), 10 1.05 (0.91), 25 0.57 (0.55),
# 50 0.50 (0.47), 100 0.46 (0.42), 200 0.42 (0.36), 400 0.36 (0.32). A commit of SQLite's
# synchronous=FULL costs ~8 ms; a batch holds the status lock (admin changes wait for it)
# about 0.3 ms per transition: 200 keeps that wait under a tenth of a second.
BATCH_SIZE = 200
PASS_SIZE = 600  # per pass: then the publication deadlines and the page's refresh have a turn


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


async def _component_status(
    conn: AsyncConnection, component_id: str, facts: Facts
) -> ComponentStatus:
    # As applied so far, not the newest state: events applied late each count from their moment.
    return status_from_counts(await facts.applied_counts(conn, component_id))


async def _over_later(
    conn: AsyncConnection,
    component_id: str,
    current: ComponentStatus,
    after_event: int | None,
    facts: Facts,
) -> bool:
    """Whether this trouble, applied late, is already ended by a transition still waiting."""
    if after_event is None or not is_trouble(current):
        return False
    states = await applied_states(conn, component_id)
    if status_from_monitors(list(states.values())) is not current:
        return False  # maintenance or an operator decides this status, not the monitors
    later = await later_transitions(conn, states, after_event, facts.claimed)
    return trouble_over_later(states, later)


_SET_STATUS = (
    update(components)
    .where(components.c.id == bindparam("b_component"))
    .values(status=bindparam("b_status"), updated_at=bindparam("b_now"))
)


async def _set_status(
    conn: AsyncConnection, component_id: str, status: ComponentStatus, now: datetime, facts: Facts
) -> None:
    values = {"b_component": component_id, "b_status": status.value, "b_now": now}
    await conn.execute(_SET_STATUS, values)
    facts.status_written(component_id)


async def _refresh_group(conn: AsyncConnection, group_id: str, now: datetime, facts: Facts) -> None:
    query = select(components.c.status).where(components.c.group_id == group_id)
    members = [ComponentStatus(s) for s in (await conn.execute(query)).scalars()]
    group = (
        await conn.execute(select(components.c.status).where(components.c.id == group_id))
    ).scalar_one()
    derived = group_status(members)
    if derived.value != group:
        await _set_status(conn, group_id, derived, now, facts)


async def _current_status(
    conn: AsyncConnection, component_id: str, facts: Facts
) -> ComponentStatus:
    """Under maintenance overrides what the monitors say; otherwise the monitors decide."""
    if await facts.under_maintenance(conn, component_id):
        return ComponentStatus.UNDER_MAINTENANCE
    # An operator's open incident may say worse than the monitors do: the worse one shows.
    declared = await facts.operator_statuses(conn, component_id)
    return worst([await _component_status(conn, component_id, facts), *declared])


async def _change_for(
    conn: AsyncConnection,
    component_id: str,
    started_at: datetime,
    now: datetime,
    after_event: int | None,
    facts: Facts,
) -> ComponentChange | None:
    row = await facts.component_row(conn, component_id)
    if row is None:
        return None
    current = await _current_status(conn, component_id, facts)
    previous = ComponentStatus(row["status"])
    told = True
    if current is not previous:
        told = not await _over_later(conn, component_id, current, after_event, facts)
        await _set_status(conn, row["id"], current, now, facts)
        if row["group_id"]:
            await _refresh_group(conn, row["group_id"], now, facts)
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
    facts: Facts,
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
    facts.incident_written(row["id"])


async def _follow_up(
    conn: AsyncConnection,
    change: ComponentChange,
    incident: OpenIncident,
    action: IncidentAction,
    now: datetime,
    affected: AffectedComponent,
    facts: Facts,
) -> None:
    name = change.component["name"]
    facts.incident_written(change.component["id"])
    if action is IncidentAction.RESOLVE:
        facts.incident_resolved()
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
    facts: Facts | None = None,
) -> bool:
    """Re-derive a component's status and act on its automatic incident; True if anything
    changed. `started_at` is when the condition that prompted this began; `after_event`, the
    transition event being applied (later ones may already end the trouble); `facts`, what
    this transaction read already (hiccup.status.facts)."""
    facts = facts or Facts()
    if not facts.locked:
        await serialize_status_changes(conn)  # several servers: one at a time (held till commit)
    change = await _change_for(conn, component_id, started_at, now, after_event, facts)
    if change is None:
        return False
    row = change.component
    incident = await facts.open_incident(conn, row["id"])
    # Opens only once the trouble lasted the component's publish_after (a stored deadline).
    plan = await plan_and_remember(
        conn,
        row["id"],
        has_open=incident is not None,
        previous=change.previous,
        current=change.current,
        started_at=started_at,
        now=now,
        facts=facts,
    )
    action = plan.action
    if change.current is ComponentStatus.UNDER_MAINTENANCE:
        action = IncidentAction.NONE  # outages inside a maintenance window open no incident
    if action is IncidentAction.OPEN and await in_operator_incident(conn, row["id"]):
        action = IncidentAction.NONE  # the operator is already telling customers about it
    affected = AffectedComponent(row["id"], row["name"], change.previous, change.current)
    if action is IncidentAction.OPEN:
        await _open(conn, change, now, affected, plan.trouble_since or started_at, facts)
    elif action is not IncidentAction.NONE and incident is not None:
        await _follow_up(conn, change, incident, action, now, affected, facts)
    return change.previous is not change.current or action is not IncidentAction.NONE


async def apply_transition(
    conn: AsyncConnection,
    payload: dict[str, Any],
    now: datetime,
    event_id: int | None = None,
    facts: Facts | None = None,
) -> bool:
    """Update the monitor's component and its automatic incident from this transition's own
    states and times; True if anything changed. `facts`: what this transaction read already,
    when it applies several transitions."""
    facts = facts or Facts()
    if not facts.locked:
        # Before the first read that `facts` keeps: what it keeps only lock holders change.
        await serialize_status_changes(conn)
        facts.locked = True
    # A check that never answered is the operator's business: the page sees no trouble.
    await facts.mark_applied(conn, payload["monitor_id"], transition_public_state(payload))
    component_id = await facts.component_of(conn, payload["monitor_id"])
    held = component_id is not None and await facts.under_maintenance(conn, component_id)
    if not held:
        # Operator alerts commit with the claim of this transition: one alert per transition.
        await on_transition(conn, payload, now, facts.alerts)
    if component_id is None:
        return False
    started_at = datetime.fromisoformat(payload["started_at"])
    return await refresh_component(
        conn, component_id, started_at, now, after_event=event_id, facts=facts
    )


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


class StatusService:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        on_change: Callable[[], None],
        language: Language = ENGLISH,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        """language: the page's, for the words of the incidents this service opens (they are
        stored once and shown as written on every page, feed and mail). batch_size: the
        transitions applied per transaction (1: each in its own, as before batches)."""
        self._engine = engine
        self._clock = clock
        self._on_change = on_change
        self._language = language
        self._batch_size = batch_size
        self.wake = asyncio.Event()
        self._failing = Repeats(log, "status service could not process events; retrying")
        # A transition event that fails on its own (not the database): the ones after it wait.
        self._stuck = Repeats(log, "status service could not apply a transition; retrying")
        self._changed = 0  # in the current pass, committed

    async def _apply_batch(self, event_ids: Sequence[int]) -> None:
        """Claim and apply these events, in order, in one transaction. Those another server
        claimed first are its to apply."""
        now = self._clock.now()
        changed = 0
        async with self._engine.begin() as conn:
            # Before the claim's row locks: taken after them, two servers could deadlock.
            await serialize_status_changes(conn)
            claimed = await claim_transitions(conn, event_ids, now)
            facts = Facts(claimed, locked=True)
            await facts.preload(conn, [payload["monitor_id"] for _, payload in claimed])
            with speaking(self._language):
                for event_id, payload in claimed:
                    changed += await apply_transition(conn, payload, now, event_id, facts)
        self._changed += changed  # committed

    async def _apply(self, event_ids: Sequence[int]) -> None:
        """A batch that fails commits nothing; it is then applied one event at a time, so the
        events before the one that fails are applied, and that one is named in the log. It
        stops the pass, as it did when each event had its own transaction: the events after it
        wait for it, in order."""
        try:
            await self._apply_batch(event_ids)
            return
        except Exception:
            if len(event_ids) == 1:
                raise
        for event_id in event_ids:
            try:
                await self._apply_batch([event_id])
            except Exception as error:
                if not logs.shared().expected(error):  # not the database gone: this event
                    self._stuck.failed(f"transition event {event_id}: {logs.brief(error)}")
                raise

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
        """Apply the unprocessed transitions in order (up to PASS_SIZE, in batches), then
        the publication deadlines that passed; returns how many changed something. When a
        batch fails, what committed before it still reaches the page."""
        self._changed = 0
        try:
            async with self._engine.connect() as conn:
                pending = await pending_transitions(conn, PASS_SIZE)
            if len(pending) == PASS_SIZE:
                self.wake.set()  # more may wait: the next pass comes at once, not at the poll
            for start in range(0, len(pending), self._batch_size):
                await self._apply(pending[start : start + self._batch_size])
            self._stuck.recovered()
            self._changed += await self._publish_due()
        finally:
            if self._changed:
                self._on_change()
        return self._changed

    async def run(self, poll_seconds: float = 2.0) -> None:
        while True:
            # Cleared before the pass, not after it: transitions stored while it runs wake the
            # next one (cleared after, they waited for the poll, 30 s on a lone server).
            self.wake.clear()
            try:
                await self.process_pending()
            except Exception as error:
                # The database may be gone for a while; events wait in it and are applied later.
                self._failing.failed(error)
            else:
                self._failing.recovered()
            try:
                async with asyncio.timeout(poll_seconds):
                    await self.wake.wait()
            except TimeoutError:
                pass
