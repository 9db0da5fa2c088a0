"""Incident lifecycle and the wording of automatic incidents (in the language being spoken:
the status service speaks the page's, see hiccup.core.language)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum

from hiccup.core.components import status_from_monitors
from hiccup.core.language import N_, _, current
from hiccup.core.status import (
    COMPONENT_STATUS_LABELS,
    ComponentStatus,
    MonitorState,
    Severity,
    severity,
)
from hiccup.core.timefmt import format_clock, format_window, humanize_duration
from hiccup.core.wording import TroubleKind, recovery_sentence


class IncidentStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"


OPEN_STATUSES = frozenset(
    {IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING}
)


STEPS = (
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
    IncidentStatus.RESOLVED,
)


def next_status(current: IncidentStatus) -> IncidentStatus:
    """The step an update most likely reports: the one after the current status (the update
    form's default, so a routine update is one keystroke shorter). Resolved stays resolved."""
    if current not in STEPS:
        return IncidentStatus.RESOLVED
    return STEPS[min(STEPS.index(current) + 1, len(STEPS) - 1)]


class IncidentAction(StrEnum):
    NONE = "none"
    OPEN = "open"
    UPDATE = "update"
    RESOLVE = "resolve"


def can_move(current: IncidentStatus, target: IncidentStatus) -> bool:
    """Open incidents may move freely between open states or resolve; a resolved one only
    gains a postmortem. Statuspage lets operators skip steps, and so do we."""
    if current in OPEN_STATUSES:
        return target is not IncidentStatus.POSTMORTEM
    return current is IncidentStatus.RESOLVED and target is IncidentStatus.POSTMORTEM


def is_trouble(status: ComponentStatus) -> bool:
    return severity(status) >= Severity.DEGRADED_PERFORMANCE


def auto_incident_action(
    has_open: bool, previous: ComponentStatus, current: ComponentStatus
) -> IncidentAction:
    """What the automatic incident of one component should do after its status changed.

    One incident per outage: a component already in trouble gets an update, not a new incident.
    """
    if not has_open:
        return IncidentAction.OPEN if is_trouble(current) else IncidentAction.NONE
    if not is_trouble(current):
        return IncidentAction.RESOLVE
    return IncidentAction.UPDATE if current is not previous else IncidentAction.NONE


def trouble_over_later(
    applied: Mapping[str, MonitorState], later: Iterable[tuple[str, MonitorState]]
) -> bool:
    """Whether transitions still waiting (monitor id, new state; in order) bring a component
    whose monitors are `applied` out of trouble: the outage is over before anyone is told."""
    states = dict(applied)
    if not is_trouble(status_from_monitors(list(states.values()))):
        return False
    for monitor_id, state in later:
        if monitor_id in states:
            states[monitor_id] = state
            if not is_trouble(status_from_monitors(list(states.values()))):
                return True
    return False


_TITLES = {
    ComponentStatus.MAJOR_OUTAGE: N_("%(name)s is unavailable"),
    ComponentStatus.PARTIAL_OUTAGE: N_("Partial outage of %(name)s"),
    ComponentStatus.DEGRADED_PERFORMANCE: N_("Degraded performance of %(name)s"),
}

_OPENING = {
    ComponentStatus.MAJOR_OUTAGE: N_(
        "We are investigating. %(name)s has not been answering since %(since)s."
    ),
    ComponentStatus.PARTIAL_OUTAGE: N_(
        "We are investigating. Part of %(name)s has not been answering since %(since)s."
    ),
    ComponentStatus.DEGRADED_PERFORMANCE: N_(
        "We are investigating. %(name)s has been responding slowly since %(since)s."
    ),
}


def auto_title(name: str, status: ComponentStatus) -> str:
    return _(_TITLES[status]) % {"name": name} if status in _TITLES else name


def opening_body(name: str, status: ComponentStatus, since: datetime, tz: str) -> str:
    sentence = _OPENING.get(
        status, N_("We are investigating. %(name)s changed state at %(since)s.")
    )
    return _(sentence) % {"name": name, "since": format_clock(since, tz)}


def escalation_body(name: str, status: ComponentStatus) -> str:
    label = _(COMPONENT_STATUS_LABELS[status])
    # English says it mid-sentence in lower case; other languages keep their own capitals.
    label = label.lower() if current().is_source else label
    message = _("The status of %(name)s is now: %(status)s. We are still investigating.")
    return message % {"name": name, "status": label}


def resolution_body(
    name: str,
    started_at: datetime,
    ended_at: datetime,
    tz: str,
    kind: TroubleKind = TroubleKind.OUTAGE,
) -> str:
    """'Resolved: flexo was affected 16:10–16:34 UTC, 24 minutes. It is answering normally
    again.' — or the kind's own ending: 'Backups ran again at 02:03 CET.'"""
    words = {
        "name": name,
        "window": format_window(started_at, ended_at, tz),
        "duration": humanize_duration(ended_at - started_at),
    }
    opening = _("Resolved: %(name)s was affected %(window)s, %(duration)s.") % words
    return f"{opening} {recovery_sentence(kind, name, format_clock(ended_at, tz))}"
