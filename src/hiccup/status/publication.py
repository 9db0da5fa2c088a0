"""The status service's hooks for the publication policy (hiccup.core.publication): plan the
automatic incident after a status change, and open the incidents whose deadline has passed."""

from __future__ import annotations

from datetime import datetime

from hiccup.checks.registry import trouble_kind
from hiccup.core.publication import IncidentPlan, plan_auto_incident
from hiccup.core.status import ComponentStatus
from hiccup.core.wording import TroubleKind, incident_words, recovery_kind
from hiccup.status.facts import Facts
from hiccup.store import publication as stored
from hiccup.store.asyncio_engine import AsyncConnection


async def plan_and_remember(
    conn: AsyncConnection,
    component_id: str,
    *,
    has_open: bool,
    previous: ComponentStatus,
    current: ComponentStatus,
    started_at: datetime,
    now: datetime,
    facts: Facts,
) -> IncidentPlan:
    """Decide the automatic incident and store the trouble's start and its deadline."""
    known = await facts.publication(conn, component_id)
    plan = plan_auto_incident(
        known.policy,
        has_open=has_open,
        previous=previous,
        current=current,
        started_at=started_at,
        remembered_since=known.trouble_since,
        now=now,
    )
    await facts.remember(conn, component_id, plan.trouble_since, plan.publish_due_at)
    return plan


async def due_components(conn: AsyncConnection, now: datetime) -> list[str]:
    return await stored.due_components(conn, now)


async def claim_due(conn: AsyncConnection, component_id: str, now: datetime) -> datetime | None:
    return await stored.claim_due(conn, component_id, now)


async def incident_wording(
    conn: AsyncConnection, component_id: str, component: str
) -> tuple[str, str] | None:
    """(title, sentence) in the words of the monitors' kinds (a missed run, an expiring
    certificate); None when the generic outage words fit."""
    causes = [
        (trouble_kind(kind), name, error)
        for kind, name, error in await stored.trouble_causes(conn, component_id)
    ]
    return incident_words(component, causes)


async def recovery_wording(conn: AsyncConnection, component_id: str) -> TroubleKind:
    """Which words the component's recovery takes: a job that ran again, a certificate that is
    fine again, or a service answering normally (the monitors' kinds differ or are outages)."""
    kinds = await stored.public_monitor_kinds(conn, component_id)
    return recovery_kind([trouble_kind(kind) for kind in kinds])
