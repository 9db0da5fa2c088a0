"""The read model of a public page: everything the page, its JSON and feeds are rendered from.

Built by the store in one pass, rendered by pure functions; the page never queries per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from hiccup.core.incidents import IncidentStatus
from hiccup.core.maintenance import MaintenanceStatus
from hiccup.core.status import ComponentStatus, IncidentImpact, PageIndicator


@dataclass(frozen=True, slots=True)
class DayUptime:
    day: date
    uptime: float | None  # None: not monitored that day
    down_seconds: int = 0
    degraded_seconds: int = 0
    incident_names: tuple[str, ...] = ()


UPTIME_WINDOWS = ("24h", "7d", "30d", "90d")


@dataclass(frozen=True, slots=True)
class LatencyPoint:
    """Response time in one bucket (an hour, a day) or of one raw result (count 1)."""

    at: datetime  # the bucket's start, or the result's time
    count: int
    p50: float | None
    p95: float | None
    p99: float | None


@dataclass(frozen=True, slots=True)
class Figures:
    """Rolling uptime per window (UPTIME_WINDOWS) and mean response time, for badges."""

    uptime: tuple[tuple[str, float | None], ...] = ()
    response_ms: float | None = None  # mean latency of answered checks, last 24 hours
    # Latest response time seen from each region (remote probes), when it runs in several.
    regions: tuple[tuple[str, float], ...] = ()
    # A component with `show_response_time`: its response time per hour, last 24 hours.
    show_response_time: bool = False
    latency: tuple[LatencyPoint, ...] = ()

    def uptime_over(self, window: str) -> float | None:
        return dict(self.uptime).get(window)


@dataclass(frozen=True, slots=True)
class PublicComponent:
    id: str
    name: str
    status: ComponentStatus
    position: int
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    group_id: str | None = None
    is_group: bool = False
    member_ids: tuple[str, ...] = ()
    days: tuple[DayUptime, ...] = ()
    uptime: float | None = None  # over the days shown
    key: str = ""  # the config key: badge addresses and page selection
    figures: Figures = Figures()


@dataclass(frozen=True, slots=True)
class AffectedComponent:
    id: str
    name: str
    old_status: ComponentStatus
    new_status: ComponentStatus


@dataclass(frozen=True, slots=True)
class PublicUpdate:
    id: str
    status: IncidentStatus | MaintenanceStatus
    body: str
    created_at: datetime
    display_at: datetime
    affected: tuple[AffectedComponent, ...] = ()


@dataclass(frozen=True, slots=True)
class PublicIncident:
    id: str
    name: str
    status: IncidentStatus
    impact: IncidentImpact
    created_at: datetime
    updated_at: datetime
    started_at: datetime
    monitoring_at: datetime | None = None
    resolved_at: datetime | None = None
    component_ids: tuple[str, ...] = ()
    updates: tuple[PublicUpdate, ...] = ()  # newest first
    postmortem: str | None = None


@dataclass(frozen=True, slots=True)
class PublicMaintenance:
    id: str
    name: str
    status: MaintenanceStatus
    scheduled_for: datetime
    scheduled_until: datetime
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    downtime_seconds: float | None = None  # measured inside the window, once completed
    component_ids: tuple[str, ...] = ()
    updates: tuple[PublicUpdate, ...] = ()  # newest first

    @property
    def is_active(self) -> bool:
        return self.status in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)


@dataclass(frozen=True, slots=True)
class PublicPage:
    id: str
    slug: str
    name: str
    url: str
    time_zone: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PublicState:
    page: PublicPage
    indicator: PageIndicator
    description: str
    generated_at: datetime
    components: tuple[PublicComponent, ...] = ()  # groups and members, by position
    open_incidents: tuple[PublicIncident, ...] = ()
    recent_incidents: tuple[PublicIncident, ...] = ()  # resolved, newest first
    history_days: int = 90
    maintenances: tuple[PublicMaintenance, ...] = ()  # active, upcoming, recent completed
    extra: dict[str, str] = field(default_factory=dict)
    # Set while results cannot be written: statuses come from the checks in memory (delayed.py).
    delayed_since: datetime | None = None

    def active_maintenances(self) -> tuple[PublicMaintenance, ...]:
        return tuple(m for m in self.maintenances if m.is_active)

    def upcoming_maintenances(self) -> tuple[PublicMaintenance, ...]:
        scheduled = MaintenanceStatus.SCHEDULED
        return tuple(m for m in self.maintenances if m.status is scheduled)

    def component(self, component_id: str) -> PublicComponent:
        return next(c for c in self.components if c.id == component_id)

    def top_level(self) -> tuple[PublicComponent, ...]:
        return tuple(c for c in self.components if c.group_id is None)

    def members(self, group: PublicComponent) -> tuple[PublicComponent, ...]:
        return tuple(c for c in self.components if c.group_id == group.id)
