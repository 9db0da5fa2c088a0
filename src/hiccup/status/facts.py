"""What applying transitions reads again and again: read once per transaction, kept current.

The status service applies a batch of transitions in one transaction that holds the status
lock (hiccup.store.leases.serialize_status_changes). Every fact kept here is changed only by
a transaction holding that lock (a maintenance window starting or ending, an operator's
incident: both take it before they commit) or by this transaction itself, which tells this
cache as it writes (applied states, component statuses, automatic incidents, publication
deadlines). So a fact read at the batch's start is the one each transition would have read
on its own. The batch's components and monitors are read in one statement per kind
(`preload`); anything else is read on first use.

The monitors' components, names and enabled/public flags, the components' publication
settings and the alert rules (hiccup.notify.alert_facts) come from the config sync, which
does not take the lock: a sync that commits during a batch is seen by the next batch, as if
the batch had been applied a moment earlier.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select

from hiccup.core.status import ComponentStatus, MonitorState
from hiccup.notify.alert_facts import AlertFacts
from hiccup.store import publication as stored
from hiccup.store.applied import applied_counts, applied_counts_of, mark_applied
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.incidents import OpenIncident, find_open_auto_incident, open_auto_incidents
from hiccup.store.maintenance import components_under_maintenance
from hiccup.store.operator_status import operator_statuses_of
from hiccup.store.tables import components, monitor_states, monitors, pages

# Each monitor's component, whether it counts there (enabled and public, as in
# hiccup.store.applied), and its applied state (None: it has no state row yet).
_MONITORS = (
    select(
        monitors.c.id,
        monitors.c.component_id,
        monitors.c.enabled & monitors.c.public,
        monitor_states.c.applied_state,
    )
    .select_from(monitors.outerjoin(monitor_states, monitor_states.c.monitor_id == monitors.c.id))
    .where(monitors.c.id.in_(bindparam("b_ids", expanding=True)))
)
_COMPONENT_ROWS = (
    select(components, pages.c.time_zone)
    .join(pages, pages.c.id == components.c.page_id)
    .where(components.c.id.in_(bindparam("b_ids", expanding=True)))
)


@dataclass(slots=True)
class _Monitor:
    component_id: str | None
    counted: bool
    applied: MonitorState | None


class Facts:
    """One transaction's view of what the transitions it applies read. `claimed`: the events
    (id, payload) it claimed, in the order it applies them; those not applied yet are still
    to come, though their rows already look processed."""

    def __init__(
        self, claimed: Sequence[tuple[int, dict[str, Any]]] = (), *, locked: bool = False
    ) -> None:
        self.claimed = claimed
        self.locked = locked  # whether this transaction holds the status lock already
        self.alerts = AlertFacts()
        self._monitors: dict[str, _Monitor | None] = {}  # None: no such monitor
        self._counts: dict[str, Counter[MonitorState]] = {}
        self._maintenance: dict[str, bool] = {}
        self._declared: dict[str, list[ComponentStatus]] = {}
        self._rows: dict[str, Any] = {}
        self._incidents: dict[str, OpenIncident | None] = {}
        self._publication: dict[str, stored.Publication] = {}

    async def preload(self, conn: AsyncConnection, monitor_ids: Collection[str]) -> None:
        """Read, in a few statements, what the claimed events' monitors will ask for."""
        await self._load_monitors(conn, monitor_ids)
        targets = {m.component_id for m in self._monitors.values() if m and m.component_id}
        await self._load_components(conn, targets)
        await self._load_rows(conn, targets)
        self._publication.update(await stored.publications_of(conn, targets))
        incidents = await open_auto_incidents(conn, targets)
        self._incidents.update({c: incidents.get(c) for c in targets})
        counts = await applied_counts_of(conn, targets)
        self._counts.update({c: Counter(n) for c, n in counts.items()})
        await self.alerts.preload(conn, monitor_ids)

    async def _load_rows(self, conn: AsyncConnection, component_ids: Collection[str]) -> None:
        wanted = sorted(set(component_ids))
        self._rows.update(dict.fromkeys(wanted))
        for row in (await conn.execute(_COMPONENT_ROWS, {"b_ids": wanted})).mappings():
            self._rows[row["id"]] = row

    async def _load_monitors(self, conn: AsyncConnection, monitor_ids: Collection[str]) -> None:
        wanted = sorted(set(monitor_ids) - self._monitors.keys())
        if not wanted:
            return
        self._monitors.update(dict.fromkeys(wanted))
        for monitor_id, component_id, counted, applied in await conn.execute(
            _MONITORS, {"b_ids": wanted}
        ):
            state = None if applied is None else MonitorState(applied)
            self._monitors[monitor_id] = _Monitor(component_id, bool(counted), state)

    async def _load_components(self, conn: AsyncConnection, component_ids: set[str]) -> None:
        wanted = sorted(component_ids - self._maintenance.keys())
        if not wanted:
            return
        held = await components_under_maintenance(conn, wanted)
        declared = await operator_statuses_of(conn, wanted)
        for component_id in wanted:
            self._maintenance[component_id] = component_id in held
            self._declared[component_id] = declared.get(component_id, [])

    async def component_of(self, conn: AsyncConnection, monitor_id: str) -> str | None:
        await self._load_monitors(conn, [monitor_id])
        monitor = self._monitors[monitor_id]
        return monitor.component_id if monitor else None

    async def applied_counts(
        self, conn: AsyncConnection, component_id: str
    ) -> Mapping[MonitorState, int]:
        """How many of the component's counted monitors are in each applied state: counted
        once by the database, then kept current by `mark_applied` (counting again for every
        transition cost the square of a component's monitors). Only this transaction writes
        applied states; a monitor's state row created meanwhile starts `unknown`, which no
        component status counts."""
        if component_id not in self._counts:
            self._counts[component_id] = Counter(await applied_counts(conn, component_id))
        return self._counts[component_id]

    async def mark_applied(
        self, conn: AsyncConnection, monitor_id: str, state: MonitorState
    ) -> None:
        await mark_applied(conn, monitor_id, state)
        await self._load_monitors(conn, [monitor_id])
        monitor = self._monitors[monitor_id]
        if monitor is None or monitor.applied is None:
            return  # no state row: nothing was written, nothing counts
        counts = self._counts.get(monitor.component_id or "")
        if counts is not None and monitor.counted:
            counts[monitor.applied] -= 1
            counts[state] += 1
        monitor.applied = state

    async def under_maintenance(self, conn: AsyncConnection, component_id: str) -> bool:
        await self._load_components(conn, {component_id})
        return self._maintenance[component_id]

    async def operator_statuses(
        self, conn: AsyncConnection, component_id: str
    ) -> list[ComponentStatus]:
        await self._load_components(conn, {component_id})
        return self._declared[component_id]

    def incident_resolved(self) -> None:
        """An operator may have set statuses in the incident just resolved: read them (and,
        loaded with them, maintenance) again."""
        self._maintenance.clear()
        self._declared.clear()

    async def component_row(self, conn: AsyncConnection, component_id: str) -> Any:
        """The component's row with its page's time zone (None if it is gone)."""
        if component_id not in self._rows:
            await self._load_rows(conn, [component_id])
        return self._rows[component_id]

    def status_written(self, component_id: str) -> None:
        self._rows.pop(component_id, None)

    async def open_incident(self, conn: AsyncConnection, component_id: str) -> OpenIncident | None:
        """The component's open automatic incident."""
        if component_id not in self._incidents:
            self._incidents[component_id] = await find_open_auto_incident(conn, component_id)
        return self._incidents[component_id]

    def incident_written(self, component_id: str) -> None:
        self._incidents.pop(component_id, None)

    async def publication(self, conn: AsyncConnection, component_id: str) -> stored.Publication:
        if component_id not in self._publication:
            self._publication[component_id] = await stored.publication_of(conn, component_id)
        return self._publication[component_id]

    async def remember(
        self,
        conn: AsyncConnection,
        component_id: str,
        trouble_since: datetime | None,
        publish_due_at: datetime | None,
    ) -> None:
        """Store the trouble's start and deadline; nothing to write when both are as stored."""
        known = await self.publication(conn, component_id)
        if (known.trouble_since, known.publish_due_at) == (trouble_since, publish_due_at):
            return
        await stored.remember(conn, component_id, trouble_since, publish_due_at)
        self._publication[component_id] = stored.Publication(
            known.policy, trouble_since, publish_due_at
        )
