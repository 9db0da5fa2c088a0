"""Config as code: hiccup.yaml validated with pydantic; every error names file, line and field."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from hiccup.checks.registry import (
    default_failure_threshold,
    default_public,
)
from hiccup.config.incident_templates import IncidentTemplateConfig
from hiccup.config.metrics import MetricsConfig
from hiccup.config.notifications import (
    NotificationsConfig,
)
from hiccup.config.site import (
    AccentColor,
    Css,
    FooterLink,
    Host,
    Network,
    PrivateConfig,
    WebUrl,
)
from hiccup.core.durations import parse_duration
from hiccup.core.headline import HeadlineStyle
from hiccup.core.language import DEFAULT_LANGUAGE, normalize
from hiccup.core.publication import DEFAULT_PUBLISH_AFTER, IncidentMode
from hiccup.core.quorum import parse_quorum

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
REGION_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100] or "item"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PageConfig(_Strict):
    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(default="default", pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    url: str = ""
    time_zone: str = "UTC"
    history_days: int = Field(default=90, ge=1, le=365)
    # The public site (hiccup.config.site): what the page shows, where, to whom, how it looks.
    components: list[str] | None = None
    hosts: list[Host] = []
    private: PrivateConfig | None = None
    logo_url: WebUrl | None = None
    accent_color: AccentColor | None = None
    custom_css: Css = ""
    custom_css_file: str | None = None
    footer_links: list[FooterLink] = []
    # Public incidents (hiccup.core.publication): components' default, read from `page:` only.
    incidents: IncidentMode = IncidentMode.AUTO
    publish_after: Duration = DEFAULT_PUBLISH_AFTER
    # The banner's line: `proportional` names what is affected, `statuspage` says it for all.
    headline: HeadlineStyle = HeadlineStyle.PROPORTIONAL
    # The page's words, dates and numbers (hiccup.core.language); `languages` lists more that
    # a reader's Accept-Language may pick, each rendered ahead like the page itself.
    language: str = DEFAULT_LANGUAGE
    languages: list[str] = []

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        return normalize(value)

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(normalize(code) for code in value))

    @field_validator("publish_after")
    @classmethod
    def _not_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("publish_after must be 0s or more")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name like Europe/Berlin)"
            ) from None
        return value


class ComponentConfig(_Strict):
    name: str = Field(min_length=1, max_length=200)
    key: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    description: str | None = None
    components: list[ComponentConfig] = []
    # The public page shows its response-time chart and 24 h / 30 d / 90 d uptime.
    show_response_time: bool = False
    # None: the page's `incidents` and `publish_after`.
    incidents: IncidentMode | None = None
    publish_after: Duration | None = None

    @field_validator("publish_after")
    @classmethod
    def _not_negative(cls, value: timedelta | None) -> timedelta | None:
        return None if value is None else PageConfig._not_negative(value)

    @property
    def slug(self) -> str:
        return self.key or slugify(self.name)


class MonitorConfig(BaseModel):
    """Kind-specific options sit beside the common fields and are checked by the kind's model."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    key: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    kind: str
    # Empty only for kinds that are called rather than run (heartbeat); see _kind_issues.
    target: str = Field(default="", max_length=2000)
    interval: Duration = timedelta(seconds=60)
    timeout: Duration = timedelta(seconds=10)
    component: str | None = None
    # None: the kind's default (3 for checks Hiccup runs, 1 for heartbeats).
    failure_threshold: int | None = Field(default=None, ge=1, le=100)
    success_threshold: int = Field(default=2, ge=1, le=100)
    degraded_latency: Duration | None = None
    enabled: bool = True
    # A monitor key: while that monitor is down, this one's alerts fold into its alert.
    depends_on: str | None = None
    # Labels to filter by in the admin dashboard and the API (`?tag=`).
    tags: list[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,49}$")]] = Field(
        default=[], max_length=20
    )
    # Where it runs: `local` (the server), probe regions, or `all` (the server and every probe).
    probes: list[Annotated[str, Field(pattern=REGION_PATTERN)]] | Literal["all"] = Field(
        default=["local"], min_length=1, max_length=50
    )
    # With several places: the share that must see it down (majority, any, all, or 0.66).
    quorum: str = "majority"
    # While its checks fail (not yet confirmed, or down), check this often instead of `interval`.
    retry_interval: Duration | None = None
    # False: operator-only (alerts, never the page). None: the kind's default (see is_public).
    public: bool | None = None

    @field_validator("quorum")
    @classmethod
    def _known_quorum(cls, value: str) -> str:
        parse_quorum(value)
        return value

    @field_validator("interval")
    @classmethod
    def _at_least_a_second(cls, value: timedelta) -> timedelta:
        if value < timedelta(seconds=1):
            raise ValueError("interval must be at least 1s")
        return value

    @field_validator("timeout")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("timeout must be more than 0s")
        return value

    @field_validator("retry_interval")
    @classmethod
    def _sooner_retries(cls, retry: timedelta | None, info: ValidationInfo) -> timedelta | None:
        # `interval` and `probes` are declared before it, so they are checked already.
        interval, probes = info.data.get("interval"), info.data.get("probes", ["local"])
        if retry is None or interval is None:
            return retry
        if retry < timedelta(seconds=1) or retry >= interval:
            raise ValueError("retry_interval must be at least 1s and shorter than interval")
        if probes == "all" or len(probes) > 1:
            # A vote is taken once per interval from every place; one place hurrying skews it.
            raise ValueError("retry_interval works for monitors checked from one place")
        return retry

    @property
    def slug(self) -> str:
        return self.key or slugify(self.name)

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @property
    def is_public(self) -> bool:
        return default_public(self.kind) if self.public is None else self.public

    @property
    def failures_to_confirm(self) -> int:
        return self.failure_threshold or default_failure_threshold(self.kind)


class MaintenanceConfig(_Strict):
    """A planned window, one-off or recurring (RRULE), in its own time zone."""

    name: str = Field(min_length=1, max_length=300)
    key: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    components: list[str] = Field(min_length=1)
    start: datetime
    duration: Duration
    time_zone: str | None = None
    rrule: str | None = None
    message: str = ""
    remind_before: Duration | None = None

    @property
    def slug(self) -> str:
        return self.key or slugify(self.name)

    @field_validator("duration")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("duration must be more than 0s")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else PageConfig._known_zone(value)

    @field_validator("rrule")
    @classmethod
    def _valid_rule(cls, value: str | None) -> str | None:
        if value is not None:
            from dateutil.rrule import rrulestr  # only recurring windows need dateutil

            try:
                rrulestr(value, dtstart=datetime(2000, 1, 1))
            except (ValueError, TypeError) as error:
                raise ValueError(f"invalid RRULE {value!r}: {error}") from None
        return value

    def zone(self, page: PageConfig) -> str:
        return self.time_zone or page.time_zone

    def start_local(self, page: PageConfig) -> datetime:
        """The start as wall-clock time in the window's zone (an offset given is honoured)."""
        if self.start.tzinfo is None:
            return self.start
        return self.start.astimezone(ZoneInfo(self.zone(page))).replace(tzinfo=None)


class HistoryConfig(_Strict):
    """How long history is kept: raw results, then hourly rollups; daily rollups stay."""

    retention: Duration = timedelta(days=30)
    hourly_retention: Duration = timedelta(days=90)

    @field_validator("retention", "hourly_retention")
    @classmethod
    def _at_least_an_hour(cls, value: timedelta) -> timedelta:
        if value < timedelta(hours=1):
            raise ValueError("must be at least 1h")
        return value


MIB = 1024 * 1024


class HttpConfig(_Strict):
    """Limits and headers of every HTTP answer (hiccup.web.edge)."""

    # Request bodies over these are refused with 413 before they are read or authenticated.
    max_body_bytes: int = Field(default=MIB, ge=1024, le=1024 * MIB)
    max_form_bytes: int = Field(default=256 * 1024, ge=1024, le=1024 * MIB)
    # Strict-Transport-Security when the page's url is https; 0 sends none.
    hsts_max_age: int = Field(default=365 * 24 * 3600, ge=0, le=10 * 365 * 24 * 3600)
    hsts_include_subdomains: bool = False


class HiccupConfig(_Strict):
    page: PageConfig
    pages: list[PageConfig] = []
    components: list[ComponentConfig] = []
    monitors: list[MonitorConfig] = []
    maintenance: list[MaintenanceConfig] = []
    incident_templates: list[IncidentTemplateConfig] = []
    history: HistoryConfig = HistoryConfig()
    notifications: NotificationsConfig = NotificationsConfig()
    # Reverse proxies in front of Hiccup: their X-Forwarded-For names the client.
    trusted_proxies: list[Network] = []
    http: HttpConfig = HttpConfig()
    # Who may scrape /metrics (Prometheus); closed by default.
    metrics: MetricsConfig = MetricsConfig()

    def all_components(self) -> Iterator[tuple[ComponentConfig, ComponentConfig | None]]:
        """Every component with its group (None at top level), in page order."""
        for component in self.components:
            yield component, None
            for member in component.components:
                yield member, component
