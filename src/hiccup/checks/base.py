"""The one small protocol every check kind implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

from hiccup.checks.certificate import CertificateInfo
from hiccup.core.monitors import MonitorSpec


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One run of a check. `ok` is the check's own verdict; latency judging is the core's."""

    ok: bool
    latency_ms: float | None = None
    error: str | None = None
    status_code: int | None = None
    phases: dict[str, float] = field(default_factory=dict)  # dns, connect, tls, first_byte, ms
    # Up, but worth a warning (a certificate close to expiry); `error` says why.
    degraded: bool = False
    # False when Hiccup itself ran late or its loop stalled during the run (the scheduler sets
    # it): such a failure says more about Hiccup than about the target.
    reliable: bool = True
    # The target gave no answer within the monitor's timeout (the run watched it that long).
    timed_out: bool = False
    # The leaf certificate the check read (tls, and http on https), valid or not.
    certificate: CertificateInfo | None = None


@dataclass(frozen=True, slots=True)
class TimedResult:
    """A check's result for one monitor with the moment the check started: what probes
    upload, and what the store keeps of them until the monitor's owner judges them."""

    monitor_id: str
    at: datetime
    result: CheckResult


class CheckOptions(BaseModel):
    """Base of each kind's options; unknown fields are errors so typos are caught."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Check(Protocol):
    kind: ClassVar[str]
    options_model: ClassVar[type[CheckOptions]]
    # False for kinds that wait to be called (heartbeats): the scheduler never runs them.
    scheduled: ClassVar[bool] = True
    # Optional `public_by_default: ClassVar[bool]` (True if absent): whether its monitors show
    # on the page when the config does not say (see registry.default_public); optional
    # `trouble: ClassVar[TroubleKind]` (OUTAGE if absent): which words tell of its trouble.

    @staticmethod
    def target_problem(target: str) -> str | None:
        """What is wrong with `target` for this kind, in words; None when it is usable. Called
        by the config, the admin and the API, so a typo never reaches a public page."""
        ...

    async def run(self, spec: MonitorSpec) -> CheckResult:
        """Run once, never raising: every failure is a CheckResult with ok=False and a reason,
        and the whole run ends within spec.timeout."""
        ...

    async def close(self) -> None:
        """Release pooled resources (sessions, connectors)."""
        ...
