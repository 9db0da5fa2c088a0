"""PublicState pieces for the site tests: maintenance windows in each state, keyed components.

Wording from the web host's maintenance notices Hiccup was designed from ("about five
minutes", "(completed)").
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from hiccup.core.maintenance import MaintenanceStatus
from hiccup.core.public import Figures, PublicMaintenance, PublicState, PublicUpdate
from tests.support.public_fixtures import NOW, make_state

SEED_MAINTENANCE = (
    "We will upgrade the kernel on leela. Expected impact: the server will be unreachable "
    "for about five minutes."
)


def window(
    wid: str,
    name: str,
    status: MaintenanceStatus,
    start_in: timedelta,
    *,
    components: tuple[str, ...] = ("amy",),
    downtime: float | None = None,
) -> PublicMaintenance:
    start = NOW + start_in
    update = PublicUpdate(f"{wid}-u", status, SEED_MAINTENANCE, start - timedelta(days=1), start)
    return PublicMaintenance(
        id=wid,
        name=name,
        status=status,
        scheduled_for=start,
        scheduled_until=start + timedelta(minutes=30),
        created_at=start - timedelta(days=1),
        updated_at=start,
        started_at=start if status is not MaintenanceStatus.SCHEDULED else None,
        completed_at=start + timedelta(minutes=30) if downtime is not None else None,
        downtime_seconds=downtime,
        component_ids=components,
        updates=(update,),
    )


def maintenances() -> tuple[PublicMaintenance, ...]:
    return (
        window(
            "mw-now", "Kernel upgrade on amy", MaintenanceStatus.IN_PROGRESS, -timedelta(minutes=5)
        ),
        window("mw-next", "Database failover test", MaintenanceStatus.SCHEDULED, timedelta(days=2)),
        window(
            "mw-done",
            "Cache purge on flexo",
            MaintenanceStatus.COMPLETED,
            -timedelta(days=3),
            components=("flexo",),
            downtime=220.0,
        ),
    )


def keyed(state: PublicState) -> PublicState:
    """Give every component its config key (the id here) and some badge figures."""
    figures = Figures((("24h", 1.0), ("7d", 0.9993), ("30d", 0.999), ("90d", None)), 123.4)
    return replace(
        state, components=tuple(replace(c, key=c.id, figures=figures) for c in state.components)
    )


def site_state(**changes: Any) -> PublicState:
    """make_state() with maintenance windows and keyed components."""
    return keyed(make_state(maintenances=maintenances(), **changes))
