"""Remote probes from the admin: who they are, how they are doing, and revoking one."""

from __future__ import annotations

from dataclasses import dataclass

from hiccup.manage.context import Actor, Ops, change
from hiccup.manage.errors import NotFound
from hiccup.store.probe_health import ProbeEvent, recent_events
from hiccup.store.probes import ProbeInfo, list_probes, revoke_probe

EVENTS_SHOWN = 200


@dataclass(frozen=True, slots=True)
class ProbeOverview:
    probes: list[ProbeInfo]
    events: list[ProbeEvent]  # newest first

    def latest_of(self, probe: str) -> ProbeEvent | None:
        return next((e for e in self.events if e.probe == probe), None)


async def overview(ops: Ops) -> ProbeOverview:
    async with ops.engine.connect() as conn:
        return ProbeOverview(await list_probes(conn), await recent_events(conn, EVENTS_SHOWN))


async def revoke(ops: Ops, actor: Actor, name: str) -> None:
    """The probe's token stops working at once; the results it sent stay in the history."""
    async with change(ops, actor) as c:
        if not await revoke_probe(c.conn, name, c.now):
            raise NotFound("probe")
        await c.audit("probe.revoke", f"probe {name}")
