"""What a probe and the server say to each other under `/api/v1/probe/`.

Both sides import these models, so the agent and the API cannot drift apart. The server keeps
the judging (thresholds, latency limits, quorum): a probe only runs checks and reports what it
saw, so an old agent never decides anything with stale rules.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hiccup.checks.base import CheckResult, TimedResult
from hiccup.checks.certificate import MAX_NAMES, MAX_TEXT, CertificateInfo
from hiccup.config.isotime import AwareInput
from hiccup.core.monitors import MonitorSpec

MAX_RESULTS_PER_BATCH = 1000
ASSIGNMENTS_PATH = "/api/v1/probe/assignments"
RESULTS_PATH = "/api/v1/probe/results"


class _Wire(BaseModel):
    """What a probe sends: checked strictly by the server (bad input gets a clear 422)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _FromServer(BaseModel):
    """What the server answers: a newer server may add fields, which a probe ignores, so
    servers can be upgraded before their probes."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class AssignedMonitor(_FromServer):
    id: str
    name: str
    kind: str
    target: str
    interval_s: float = Field(gt=0)
    timeout_s: float = Field(gt=0)
    options: dict[str, Any] = {}
    # Sent only when set: probes before it refused unknown fields.
    retry_interval_s: float | None = Field(default=None, gt=0)

    @classmethod
    def of(cls, spec: MonitorSpec) -> AssignedMonitor:
        return cls(
            id=spec.id,
            name=spec.name,
            kind=spec.kind,
            target=spec.target,
            interval_s=spec.interval.total_seconds(),
            timeout_s=spec.timeout.total_seconds(),
            options=dict(spec.options),
            retry_interval_s=spec.retry_interval.total_seconds() if spec.retry_interval else None,
        )

    def spec(self) -> MonitorSpec:
        return MonitorSpec(
            id=self.id,
            name=self.name,
            kind=self.kind,
            target=self.target,
            interval=timedelta(seconds=self.interval_s),
            timeout=timedelta(seconds=self.timeout_s),
            options=dict(self.options),
            retry_interval=(
                timedelta(seconds=self.retry_interval_s) if self.retry_interval_s else None
            ),
        )


class Assignments(_FromServer):
    """GET /api/v1/probe/assignments?region=NAME (answered with an ETag; 304 when unchanged)."""

    probe: str
    region: str
    poll_seconds: float = 30.0  # how often the agent asks again
    monitors: list[AssignedMonitor]


Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]


class WireCertificate(_Wire):
    """The leaf certificate a probe's check read (checks.certificate.CertificateInfo)."""

    subject_cn: Text | None = None
    issuer_cn: Text | None = None
    issuer_org: Text | None = None
    alt_names: list[Text] = Field(default_factory=list, max_length=MAX_NAMES)
    not_before: AwareInput
    not_after: AwareInput
    serial: str = Field(max_length=64)
    fingerprint: str = Field(pattern=r"^[0-9A-F]{64}$")

    @classmethod
    def of(cls, info: CertificateInfo) -> WireCertificate:
        return cls.model_validate(asdict(info))  # the same fields, by name

    def info(self) -> CertificateInfo:
        return CertificateInfo(**{**self.model_dump(), "alt_names": tuple(self.alt_names)})


class ProbeResult(_Wire):
    monitor_id: str = Field(min_length=1, max_length=12)
    at: AwareInput  # when the check started, as measured by the probe
    ok: bool
    latency_ms: float | None = Field(default=None, ge=0)
    error: str | None = Field(default=None, max_length=500)
    status_code: int | None = None
    phases: dict[str, float] = {}
    degraded: bool = False
    reliable: bool = True
    # Sent only when a check read one (the agent leaves out None): servers before it refused
    # unknown fields.
    certificate: WireCertificate | None = None

    @classmethod
    def of(cls, monitor_id: str, result: CheckResult, at: datetime) -> ProbeResult:
        return cls(
            monitor_id=monitor_id,
            at=at,
            ok=result.ok,
            latency_ms=result.latency_ms,
            error=None if result.error is None else result.error[:500],
            status_code=result.status_code,
            phases=dict(result.phases),
            degraded=result.degraded,
            reliable=result.reliable,
            certificate=None
            if result.certificate is None
            else WireCertificate.of(result.certificate),
        )

    def timed(self) -> TimedResult:
        return TimedResult(self.monitor_id, self.at, self.check_result())

    def check_result(self) -> CheckResult:
        return CheckResult(
            ok=self.ok,
            latency_ms=self.latency_ms,
            error=self.error,
            status_code=self.status_code,
            phases=dict(self.phases),
            degraded=self.degraded,
            reliable=self.reliable,
            certificate=None if self.certificate is None else self.certificate.info(),
        )


def _wire_certificate(info: CertificateInfo | None) -> WireCertificate | None:
    return None if info is None else WireCertificate.of(info)


class ResultBatch(_Wire):
    """POST /api/v1/probe/results?region=NAME — oldest first; retrying a batch is harmless:
    results are unique by (probe, monitor, at)."""

    results: list[ProbeResult] = Field(max_length=MAX_RESULTS_PER_BATCH)
    dropped: int = Field(default=0, ge=0)  # results the agent's full buffer had to discard


class BatchReceipt(_FromServer):
    accepted: int  # stored now
    duplicates: int  # stored by an earlier upload of the same results
    ignored: int  # monitors not (or no longer) assigned to this probe
