"""Kind "heartbeat": the monitored job calls Hiccup (`/ping/<token>`) instead of being called.

Nothing here runs on a schedule (`scheduled = False`): pings arrive through the web routes in
`hiccup.web.public.ping`, and `hiccup.engine.heartbeats` reports deadlines that pass without one.
Both hand their results to the recorder like any check, so detection, incidents and history
work unchanged. This module holds the kind's options and its place in the registry.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, field_validator, model_validator

from hiccup.checks.base import CheckOptions, CheckResult
from hiccup.checks.registry import register
from hiccup.core.durations import parse_duration
from hiccup.core.heartbeats import HeartbeatSchedule
from hiccup.core.monitors import MonitorSpec
from hiccup.core.wording import TroubleKind

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]

# URL-safe and long enough not to be guessed: the token is the only thing protecting the route.
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"


class HeartbeatOptions(CheckOptions):
    period: Duration | None = None
    cron: str | None = None
    grace: Duration = timedelta(minutes=1)
    time_zone: str = "UTC"
    token: str | None = Field(default=None, pattern=TOKEN_PATTERN)

    @field_validator("period")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < timedelta(seconds=1):
            raise ValueError("period must be at least 1s")
        return value

    @field_validator("grace")
    @classmethod
    def _not_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("grace must not be negative")
        return value

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from croniter import croniter  # on use: few configurations hold a cron heartbeat

        if not croniter.is_valid(value):
            raise ValueError(f"invalid cron expression {value!r}")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value

    @model_validator(mode="after")
    def _one_schedule(self) -> HeartbeatOptions:
        if (self.period is None) == (self.cron is None):
            raise ValueError("give exactly one of `period` and `cron`")
        return self

    def schedule(self) -> HeartbeatSchedule:
        return HeartbeatSchedule(self.period, self.cron, self.grace, self.time_zone)


@register
class HeartbeatCheck:
    @staticmethod
    def target_problem(target: str) -> str | None:
        return None  # pinged, never connects: the target is only a note

    kind: ClassVar[str] = "heartbeat"
    options_model: ClassVar[type[CheckOptions]] = HeartbeatOptions
    scheduled: ClassVar[bool] = False
    # One missed run is news: a job that did not call in is not a network blip to confirm.
    default_failure_threshold: ClassVar[int] = 1
    # A missed cron job (a backup, a report) is the operator's to fix; customers notice nothing.
    public_by_default: ClassVar[bool] = False
    trouble: ClassVar[TroubleKind] = TroubleKind.SCHEDULE  # "missed its 02:00 UTC run"

    async def run(self, spec: MonitorSpec) -> CheckResult:
        """Not called by the engine; says so if something calls it anyway."""
        return CheckResult(
            ok=False, error="heartbeat monitors are not run: they wait for pings to /ping/<token>"
        )

    async def close(self) -> None:
        """Nothing held."""
