"""Component status derived from monitor states, and group status from members."""

from __future__ import annotations

from collections.abc import Sequence

from hiccup.core.status import ComponentStatus, MonitorState, worst


def status_from_monitors(states: Sequence[MonitorState]) -> ComponentStatus:
    """All monitors down is a major outage; some down is partial; any degraded is degraded."""
    known = [s for s in states if s is not MonitorState.UNKNOWN]
    down = sum(s is MonitorState.DOWN for s in known)
    if known and down == len(known):
        return ComponentStatus.MAJOR_OUTAGE
    if down:
        return ComponentStatus.PARTIAL_OUTAGE
    if any(s is MonitorState.DEGRADED for s in known):
        return ComponentStatus.DEGRADED_PERFORMANCE
    return ComponentStatus.OPERATIONAL


def group_status(members: Sequence[ComponentStatus]) -> ComponentStatus:
    """A group is in major outage only when every member is; some members down is partial."""
    if not members:
        return ComponentStatus.OPERATIONAL
    if all(m is ComponentStatus.MAJOR_OUTAGE for m in members):
        return ComponentStatus.MAJOR_OUTAGE
    if any(m is ComponentStatus.MAJOR_OUTAGE for m in members):
        return ComponentStatus.PARTIAL_OUTAGE
    return worst(members)
