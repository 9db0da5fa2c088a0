"""One instance, several pages: each page publishes only its own components and what touches
them. Pure functions over the read model, so a private page's data cannot reach another page
through a query that forgot a filter: every page is cut from the same state the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from hiccup.core.audience import ComponentRef, ids_for_keys
from hiccup.core.public import (
    UPTIME_WINDOWS,
    Figures,
    PublicComponent,
    PublicIncident,
    PublicMaintenance,
    PublicState,
    PublicUpdate,
)
from hiccup.core.status import indicator_description, page_indicator
from hiccup.core.uptime import Interval, uptime_ratio

WINDOW_SPANS = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}


def rolling_uptime(
    down: Sequence[Interval], since: datetime | None, now: datetime
) -> tuple[tuple[str, float | None], ...]:
    """Uptime over each rolling window ending now; None where nothing was monitored."""
    if since is None:
        return tuple((w, None) for w in UPTIME_WINDOWS)
    return tuple((w, uptime_ratio(down, since, now - WINDOW_SPANS[w], now)) for w in UPTIME_WINDOWS)


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def page_figures(components: Sequence[PublicComponent]) -> Figures:
    """The page's own figures: the mean over its components (groups already hold their
    members' figures, so they are left out to count nobody twice)."""
    leaves = [c for c in components if not c.is_group]
    uptime = tuple((w, _mean(c.figures.uptime_over(w) for c in leaves)) for w in UPTIME_WINDOWS)
    return Figures(uptime, _mean(c.figures.response_ms for c in leaves))


def select_ids(state: PublicState, keys: Iterable[str]) -> frozenset[str]:
    """Component ids for config keys; a group brings its members along."""
    refs = (ComponentRef(c.id, c.key, c.group_id) for c in state.components)
    return ids_for_keys(refs, keys)


def _narrow_update(update: PublicUpdate, shown: frozenset[str]) -> PublicUpdate:
    affected = tuple(a for a in update.affected if a.id in shown)
    return update if affected == update.affected else replace(update, affected=affected)


def _narrow_incident(incident: PublicIncident, shown: frozenset[str]) -> PublicIncident:
    return replace(
        incident,
        component_ids=tuple(c for c in incident.component_ids if c in shown),
        updates=tuple(_narrow_update(u, shown) for u in incident.updates),
    )


def _narrow_maintenance(window: PublicMaintenance, shown: frozenset[str]) -> PublicMaintenance:
    return replace(
        window,
        component_ids=tuple(c for c in window.component_ids if c in shown),
        updates=tuple(_narrow_update(u, shown) for u in window.updates),
    )


def _narrow_component(component: PublicComponent, shown: frozenset[str]) -> PublicComponent:
    # A member shown without its group stands at the top level of this page.
    group_id = component.group_id if component.group_id in shown else None
    members = tuple(m for m in component.member_ids if m in shown)
    return replace(component, group_id=group_id, member_ids=members)


def narrow(state: PublicState, shown: frozenset[str]) -> PublicState:
    """The state a page showing only the components `shown` may publish: its components,
    the incidents and maintenance touching them (other components' names left out), and
    the overall status recomputed from what remains. Items on no component stay off."""
    components = tuple(_narrow_component(c, shown) for c in state.components if c.id in shown)
    open_incidents = tuple(
        _narrow_incident(i, shown) for i in state.open_incidents if shown & set(i.component_ids)
    )
    recent = tuple(
        _narrow_incident(i, shown) for i in state.recent_incidents if shown & set(i.component_ids)
    )
    windows = tuple(
        _narrow_maintenance(m, shown) for m in state.maintenances if shown & set(m.component_ids)
    )
    indicator = page_indicator([c.status for c in components], [i.impact for i in open_incidents])
    return replace(
        state,
        components=components,
        open_incidents=open_incidents,
        recent_incidents=recent,
        maintenances=windows,
        indicator=indicator,
        description=indicator_description(indicator),
    )
