"""Status vocabularies. Public values follow Atlassian Statuspage so its clients read them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum, StrEnum

from hiccup.core.language import N_


class Verdict(StrEnum):
    """The outcome of one check run."""

    OK = "ok"
    DEGRADED = "degraded"
    FAILED = "failed"


class MonitorState(StrEnum):
    """A monitor's confirmed state; UNKNOWN until its first results are in."""

    UNKNOWN = "unknown"
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"


class ComponentStatus(StrEnum):
    OPERATIONAL = "operational"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    UNDER_MAINTENANCE = "under_maintenance"


class PageIndicator(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"


class IncidentImpact(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class Severity(IntEnum):
    """Orders component statuses from best to worst; maintenance ranks above operational."""

    OPERATIONAL = 0
    UNDER_MAINTENANCE = 1
    DEGRADED_PERFORMANCE = 2
    PARTIAL_OUTAGE = 3
    MAJOR_OUTAGE = 4


def severity(status: ComponentStatus) -> Severity:
    return Severity[status.name]


def worst(statuses: Iterable[ComponentStatus]) -> ComponentStatus:
    return max(statuses, key=severity, default=ComponentStatus.OPERATIONAL)


_INDICATOR_FOR_STATUS = {
    ComponentStatus.OPERATIONAL: PageIndicator.NONE,
    ComponentStatus.UNDER_MAINTENANCE: PageIndicator.MAINTENANCE,
    ComponentStatus.DEGRADED_PERFORMANCE: PageIndicator.MINOR,
    ComponentStatus.PARTIAL_OUTAGE: PageIndicator.MAJOR,
    ComponentStatus.MAJOR_OUTAGE: PageIndicator.CRITICAL,
}

_INDICATOR_RANK = {
    PageIndicator.NONE: 0,
    PageIndicator.MAINTENANCE: 1,
    PageIndicator.MINOR: 2,
    PageIndicator.MAJOR: 3,
    PageIndicator.CRITICAL: 4,
}

_INDICATOR_FOR_IMPACT = {
    IncidentImpact.NONE: PageIndicator.NONE,
    IncidentImpact.MINOR: PageIndicator.MINOR,
    IncidentImpact.MAJOR: PageIndicator.MAJOR,
    IncidentImpact.CRITICAL: PageIndicator.CRITICAL,
}

_DESCRIPTIONS = {
    PageIndicator.NONE: N_("All Systems Operational"),
    PageIndicator.MINOR: N_("Minor Service Outage"),
    PageIndicator.MAJOR: N_("Partial System Outage"),
    PageIndicator.CRITICAL: N_("Major System Outage"),
    PageIndicator.MAINTENANCE: N_("Service Under Maintenance"),
}

COMPONENT_STATUS_LABELS = {
    ComponentStatus.OPERATIONAL: N_("Operational"),
    ComponentStatus.DEGRADED_PERFORMANCE: N_("Degraded performance"),
    ComponentStatus.PARTIAL_OUTAGE: N_("Partial outage"),
    ComponentStatus.MAJOR_OUTAGE: N_("Major outage"),
    ComponentStatus.UNDER_MAINTENANCE: N_("Under maintenance"),
}


def page_indicator(
    statuses: Iterable[ComponentStatus], open_impacts: Iterable[IncidentImpact] = ()
) -> PageIndicator:
    """The page's overall indicator: the worst of its components and its open incidents."""
    candidates = [_INDICATOR_FOR_STATUS[s] for s in statuses]
    candidates += [_INDICATOR_FOR_IMPACT[i] for i in open_impacts]
    return max(candidates, key=_INDICATOR_RANK.__getitem__, default=PageIndicator.NONE)


def indicator_description(indicator: PageIndicator) -> str:
    return _DESCRIPTIONS[indicator]


def impact_for_status(status: ComponentStatus) -> IncidentImpact:
    """The impact an automatic incident gets from the status of what it affects."""
    return {
        ComponentStatus.MAJOR_OUTAGE: IncidentImpact.CRITICAL,
        ComponentStatus.PARTIAL_OUTAGE: IncidentImpact.MAJOR,
        ComponentStatus.DEGRADED_PERFORMANCE: IncidentImpact.MINOR,
    }.get(status, IncidentImpact.NONE)


_IMPACT_RANK = {i: rank for rank, i in enumerate(IncidentImpact)}


def worse_impact(a: IncidentImpact, b: IncidentImpact) -> IncidentImpact:
    return a if _IMPACT_RANK[a] >= _IMPACT_RANK[b] else b
