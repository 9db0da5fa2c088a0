"""Request and response shapes shared by the admin UI and the REST API (pydantic at the edge)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hiccup.auth.roles import Role, Scope
from hiccup.config.isotime import AwareInput, LocalOutput, UtcOutput
from hiccup.core.incidents import IncidentStatus
from hiccup.core.publication import DEFAULT_PUBLISH_AFTER, IncidentMode
from hiccup.core.status import ComponentStatus, IncidentImpact

KEY = r"^[a-z0-9][a-z0-9_-]{0,99}$"
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,49}$")]
OpenStatus = Literal["investigating", "identified", "monitoring"]
UpdateStatus = Literal["investigating", "identified", "monitoring", "resolved"]
MonitorFilter = Literal["up", "degraded", "down", "unknown", "paused"]


MAX_PUBLISH_AFTER_S = 7 * 86400  # a week: past that, `manual` says it better


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")


class Paged(Out, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


class MonitorIn(In):
    name: str = Field(min_length=1, max_length=200)
    key: str | None = Field(default=None, pattern=KEY, description="default: from the name")
    kind: str = Field(min_length=1, max_length=32, description="http, tcp, dns, tls, icmp, ...")
    target: str = Field(default="", max_length=2000)
    interval_s: float = Field(default=60, ge=1, le=86400)
    timeout_s: float = Field(default=10, gt=0, le=600)
    retry_interval_s: float | None = Field(
        default=None, ge=1, le=86400, description="while failing, check this often instead"
    )
    options: dict[str, Any] = Field(default_factory=dict, description="the kind's options")
    failure_threshold: int = Field(default=3, ge=1, le=100)
    success_threshold: int = Field(default=2, ge=1, le=100)
    degraded_latency_ms: float | None = Field(default=None, gt=0, le=600000)
    component_id: str | None = Field(default=None, max_length=12)
    enabled: bool = True
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    public: bool | None = Field(
        default=None,
        description="false: operator-only (alerts, never the page); default: the kind's "
        "(false for tls and heartbeat)",
    )


class CertificateOut(Out):
    """The leaf certificate the monitor's newest check read (tls, and http on https)."""

    not_after: UtcOutput
    # The rest is null for a certificate noted before Hiccup kept details, until the next check.
    not_before: UtcOutput | None
    subject_cn: str | None
    issuer_cn: str | None
    issuer_org: str | None
    alt_names: list[str]  # DNS names and IP addresses (subject alternative names)
    serial: str | None  # hex
    fingerprint: str | None  # SHA-256 of the certificate, hex


class MonitorOut(Out):
    id: str
    key: str
    name: str
    kind: str
    target: str
    interval_s: float
    timeout_s: float
    retry_interval_s: float | None
    options: dict[str, Any]
    failure_threshold: int
    success_threshold: int
    degraded_latency_ms: float | None
    component_id: str | None
    component_name: str | None
    enabled: bool
    declared: bool
    tags: list[str]
    state: str
    last_result_at: UtcOutput | None
    public: bool
    certificate: CertificateOut | None = None


class ResultOut(Out):
    at: UtcOutput
    probe: str  # "local" for the server's own checks, else the probe's name
    verdict: str
    latency_ms: float | None
    status_code: int | None
    error: str | None
    phases: dict[str, float]  # dns, connect, tls, first_byte, total (ms), as the kind measures
    reliable: bool  # False: taken while Hiccup itself was late; not counted as a failure


class PageIn(In):
    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    url: str = Field(default="", max_length=500)
    time_zone: str = Field(default="UTC", max_length=64)
    history_days: int = Field(default=90, ge=1, le=365)
    incidents: IncidentMode = Field(
        default=IncidentMode.AUTO, description="components' default: auto or manual incidents"
    )
    publish_after_s: float = Field(
        default=DEFAULT_PUBLISH_AFTER.total_seconds(),
        ge=0,
        le=MAX_PUBLISH_AFTER_S,
        description="components' default: seconds of trouble before an incident goes public",
    )


class PageOut(Out):
    id: str
    name: str
    slug: str
    url: str
    time_zone: str
    history_days: int
    declared: bool
    incidents: IncidentMode
    publish_after_s: float


class ComponentIn(In):
    name: str = Field(min_length=1, max_length=200)
    key: str | None = Field(default=None, pattern=KEY)
    description: str | None = Field(default=None, max_length=2000)
    group_id: str | None = Field(default=None, max_length=12)
    is_group: bool = False
    position: int = Field(default=0, ge=0, le=100000)
    page_id: str | None = Field(default=None, max_length=12, description="default: main page")
    incidents: IncidentMode | None = Field(default=None, description="default: the page's")
    publish_after_s: float | None = Field(
        default=None, ge=0, le=MAX_PUBLISH_AFTER_S, description="default: the page's"
    )


class ComponentOut(Out):
    id: str
    page_id: str
    key: str
    name: str
    description: str | None
    group_id: str | None
    is_group: bool
    position: int
    status: ComponentStatus
    declared: bool
    incidents: IncidentMode | None = None
    publish_after_s: float | None = None


class ComponentStatusIn(In):
    component_id: str = Field(max_length=12)
    status: ComponentStatus


class IncidentIn(In):
    name: str = Field(min_length=1, max_length=300)
    impact: IncidentImpact = IncidentImpact.MINOR
    status: OpenStatus = "investigating"
    message: str = Field(min_length=1, max_length=20000)
    components: list[ComponentStatusIn] = Field(default_factory=list, max_length=500)
    notify: bool = True
    started_at: AwareInput | None = Field(
        default=None, description="back-date the start: ISO 8601 with an offset"
    )
    resolved_at: AwareInput | None = Field(
        default=None, description="record a past incident: ISO 8601 with an offset"
    )
    page_id: str | None = Field(default=None, max_length=12)


class IncidentUpdateIn(In):
    status: UpdateStatus
    message: str = Field(min_length=1, max_length=20000)
    notify: bool = True
    impact: IncidentImpact | None = None
    components: list[ComponentStatusIn] = Field(default_factory=list, max_length=500)


class PostmortemIn(In):
    body: str = Field(min_length=1, max_length=100000)


class OutageOut(Out):
    id: int
    state: str  # down or degraded
    started_at: UtcOutput
    ended_at: UtcOutput | None  # None: still going on
    false_at: UtcOutput | None  # marked false: not in public uptime, history or SLA


class FalseIn(In):
    """Why an automatic incident was no real outage (kept in the audit log)."""

    reason: str = Field(default="", max_length=500)


class PreviewIn(In):
    body: str = Field(max_length=100000)


class PreviewOut(Out):
    html: str


class UpdateOut(Out):
    id: str
    status: IncidentStatus
    body: str
    created_at: UtcOutput


class IncidentComponentOut(Out):
    component_id: str
    name: str
    status: ComponentStatus | None = Field(
        description="what the operator set and the component shows while the incident is open; "
        "null once it is resolved (then see last_status)"
    )
    last_status: ComponentStatus | None = Field(
        default=None, description="the status the operator last set, kept after resolution"
    )


class IncidentOut(Out):
    id: str
    page_id: str
    name: str
    status: IncidentStatus
    impact: IncidentImpact
    automatic: bool
    started_at: UtcOutput
    resolved_at: UtcOutput | None
    postmortem: str | None
    components: list[IncidentComponentOut]
    updates: list[UpdateOut]
    # Marked false by an operator: off the public page, its history and uptime.
    false_at: UtcOutput | None = None


class TemplateIn(In):
    name: str = Field(min_length=1, max_length=100)
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=20000)
    impact: IncidentImpact = IncidentImpact.MINOR
    status: OpenStatus = Field(default="investigating", description="the incident's first status")
    components: list[ComponentStatusIn] = Field(
        default_factory=list, max_length=500, description="components and the status each shows"
    )


class TemplateOut(Out):
    id: str
    name: str
    title: str
    body: str
    impact: IncidentImpact
    status: OpenStatus = "investigating"
    components: list[ComponentStatusIn] = Field(default_factory=list)
    declared: bool = Field(default=False, description="from the config file: read-only here")


class MaintenanceIn(In):
    name: str = Field(min_length=1, max_length=300)
    components: list[str] = Field(min_length=1, max_length=500, description="component ids")
    start: AwareInput = Field(
        description="ISO 8601 with an offset; the window's wall-clock time in time_zone "
        "(which recurrences keep across daylight-saving changes) is taken from it"
    )
    duration_s: float = Field(gt=0, le=30 * 86400)
    time_zone: str | None = Field(default=None, max_length=64, description="default: page's")
    rrule: str | None = Field(default=None, max_length=500, description="RFC 5545 RRULE")
    message: str = Field(default="", max_length=20000)
    remind_before_s: float | None = Field(default=None, gt=0, le=30 * 86400)
    page_id: str | None = Field(default=None, max_length=12)


class MaintenanceForm(MaintenanceIn):
    """The admin's form: its datetime-local input is a wall-clock time in time_zone."""

    start: datetime = Field(description="wall-clock time in time_zone (or with an offset)")


class WindowOut(Out):
    id: str
    status: str
    scheduled_for: UtcOutput
    scheduled_until: UtcOutput


class MaintenanceOut(Out):
    id: str
    page_id: str
    key: str
    name: str
    components: list[str]
    start_local: LocalOutput
    time_zone: str
    duration_s: float
    rrule: str | None
    message: str
    remind_before_s: float | None
    declared: bool
    windows: list[WindowOut]


class UserIn(In):
    name: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    role: Role
    password: str = Field(min_length=1, max_length=256)


class UserUpdate(In):
    role: Role | None = None
    disabled: bool | None = None
    password: str | None = Field(default=None, min_length=1, max_length=256)


class UserOut(Out):
    id: str
    name: str
    role: Role
    totp_enabled: bool
    disabled: bool
    created_at: UtcOutput


def _as_utc(moment: datetime) -> datetime:
    # The admin form's datetime-local has no offset: a time without one is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class TokenIn(In):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1, max_length=3)
    user_id: str | None = Field(default=None, max_length=12, description="default: yourself")
    expires_at: AwareInput | None = Field(
        default=None, description="when the token stops working; default: never"
    )


class TokenOut(Out):
    id: str
    name: str
    prefix: str
    scopes: list[Scope]
    user_id: str
    user_name: str
    created_at: UtcOutput
    last_used_at: UtcOutput | None
    expires_at: UtcOutput | None = Field(description="null: until revoked; past: refused (401)")


class TokenCreatedOut(TokenOut):
    token: str = Field(description="shown once; store it now")


class AuditEntryOut(Out):
    id: int
    at: UtcOutput
    actor: str
    action: str
    target: str
    summary: str
    address: str


class MeOut(Out):
    user_id: str
    name: str
    role: Role
    permissions: list[str]
    token_name: str | None
