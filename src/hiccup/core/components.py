"""Component status derived from monitor states, and group status from members."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from hiccup.core.status import ComponentStatus, MonitorState, worst


def status_from_monitors(states: Sequence[MonitorState]) -> ComponentStatus:
    """All monitors down is a major outage; some down is partial; any degraded is degraded."""
    return status_from_counts(Counter(states))


def status_from_counts(counts: Mapping[MonitorState, int]) -> ComponentStatus:
    """The same, from how many monitors are in each state (what a GROUP BY gives)."""
    known = sum(n for state, n in counts.items() if state is not MonitorState.UNKNOWN)
    down = counts.get(MonitorState.DOWN, 0)
    if known and down == known:
        return ComponentStatus.MAJOR_OUTAGE
    if down:
        return ComponentStatus.PARTIAL_OUTAGE
    if counts.get(MonitorState.DEGRADED, 0):
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
