"""What applying transitions reads again and again: read once per transaction, kept current.

The status service applies a batch of transitions in one transaction that holds the status
lock (hiccup.store.leases.serialize_status_changes). Every fact kept here is changed only by
a transaction holding that lock (a maintenance window starting or ending, an operator's
incident: both take it before they commit) or by this transaction itself, which tells this
cache as it writes (component statuses, automatic incidents, publication deadlines). So a
fact read at the batch's start is the one each transition would have read on its own.

A monitor's component and alert facts (hiccup.notify.alert_facts) come from the config sync,
which does not take the lock: a sync racing with a batch is seen by its next batch, as if the
batch had been applied a moment earlier.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hiccup.core.status import ComponentStatus
from hiccup.notify.alert_facts import AlertFacts
from hiccup.store import publication as stored
from hiccup.store.incidents import OpenIncident, find_open_auto_incident
from hiccup.store.maintenance import components_under_maintenance
from hiccup.store.operator_status import operator_statuses_of
from hiccup.store.tables import components, monitors, pages

_COMPONENT_OF = select(monitors.c.id, monitors.c.component_id).where(
    monitors.c.id.in_(bindparam("b_ids", expanding=True))
)
_COMPONENT_ROW = (
    select(components, pages.c.time_zone)
    .join(pages, pages.c.id == components.c.page_id)
    .where(components.c.id == bindparam("b_component"))
)

_ABSENT = object()


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
        self._component_of: dict[str, str | None] = {}
        self._maintenance: dict[str, bool] = {}
        self._declared: dict[str, list[ComponentStatus]] = {}
        self._rows: dict[str, Any] = {}
        self._incidents: dict[str, OpenIncident | None] = {}
        self._publication: dict[str, stored.Publication] = {}

    async def preload(self, conn: AsyncConnection, monitor_ids: Collection[str]) -> None:
        """Read, in a few statements, what the claimed events' monitors will ask for."""
        found = await conn.execute(_COMPONENT_OF, {"b_ids": sorted(set(monitor_ids))})
        self._component_of.update((str(m), c) for m, c in found)
        targets = {c for c in self._component_of.values() if c is not None}
        await self._load_components(conn, targets)
        await self.alerts.preload(conn, monitor_ids)

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
        if monitor_id not in self._component_of:
            found = await conn.execute(_COMPONENT_OF, {"b_ids": [monitor_id]})
            self._component_of[monitor_id] = dict(found.all()).get(monitor_id)
        return self._component_of[monitor_id]

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
        row = self._rows.get(component_id, _ABSENT)
        if row is _ABSENT:
            found = await conn.execute(_COMPONENT_ROW, {"b_component": component_id})
            row = self._rows[component_id] = found.mappings().first()
        return row

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
