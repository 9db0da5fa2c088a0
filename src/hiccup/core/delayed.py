"""The page while results cannot be written: component statuses decided in memory.

The recorder keeps judging checks while the database is away (or its disk is full); the
database's own component statuses then stand still. Rather than claim "operational" over a
confirmed outage, the page shows what the checks decided, and says updates are delayed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from hiccup.core.components import group_status, status_from_monitors
from hiccup.core.public import PublicComponent, PublicState
from hiccup.core.status import ComponentStatus, MonitorState, indicator_description, page_indicator


@dataclass(frozen=True, slots=True)
class MemoryStatus:
    since: datetime  # when results first could not be written
    statuses: Mapping[str, ComponentStatus]  # component id -> status from its monitors


def component_statuses(states: Iterable[tuple[str, MonitorState]]) -> dict[str, ComponentStatus]:
    """(component id, state of one of its monitors) -> each component's status."""
    by_component: dict[str, list[MonitorState]] = defaultdict(list)
    for component_id, state in states:
        by_component[component_id].append(state)
    return {c: status_from_monitors(s) for c, s in by_component.items()}


def _own(component: PublicComponent, memory: MemoryStatus) -> PublicComponent:
    decided = memory.statuses.get(component.id)
    # Maintenance was set by a window the checks know nothing of: it stands.
    if decided is None or component.status is ComponentStatus.UNDER_MAINTENANCE:
        return component
    return replace(component, status=decided)


def with_memory(state: PublicState, memory: MemoryStatus) -> PublicState:
    """The state with the statuses decided in memory, groups and overall status re-derived."""
    members = {c.id: _own(c, memory) for c in state.components if not c.is_group}

    def group(component: PublicComponent) -> PublicComponent:
        statuses = [members[m].status for m in component.member_ids if m in members]
        if not statuses or component.status is ComponentStatus.UNDER_MAINTENANCE:
            return component
        return replace(component, status=group_status(statuses))

    components = tuple(group(c) if c.is_group else members[c.id] for c in state.components)
    impacts = [i.impact for i in state.open_incidents]
    indicator = page_indicator([c.status for c in components], impacts)
    return replace(
        state,
        components=components,
        indicator=indicator,
        description=indicator_description(indicator),
        delayed_since=memory.since,
    )
