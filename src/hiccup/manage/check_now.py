"""Run a monitor's check once, as typed in a form and not saved: the verdict and the phases
an operator wants to see before the monitor goes live.

Only people who may edit monitors get here (they could save the same target anyway), and a
per-person budget keeps one session from turning Hiccup into a load generator.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from hiccup.checks.registry import CheckSet, check_class
from hiccup.core.detection import DetectionPolicy, classify
from hiccup.core.monitors import MonitorSpec
from hiccup.core.status import Verdict
from hiccup.manage.errors import Conflict, Invalid
from hiccup.manage.models import MonitorIn
from hiccup.manage.monitors import kind_problems

# The order a request goes through them: the bar draws them left to right.
PHASES = (("dns", "DNS"), ("connect", "connect"), ("tls", "TLS"), ("first_byte", "first byte"))
# A check that ignores its own timeout must still not hold the request for ever.
GRACE = timedelta(seconds=5)


@dataclass(frozen=True)
class Phase:
    name: str
    label: str
    ms: float
    start_ms: float  # where it begins on the bar


@dataclass(frozen=True)
class CheckNow:
    verdict: Verdict
    latency_ms: float | None
    error: str | None
    status_code: int | None
    phases: tuple[Phase, ...]

    @property
    def phases_ms(self) -> float:
        return sum(p.ms for p in self.phases)


class RunBudget:
    """At most `runs` checks per person in any `per` window (kept in memory, per process)."""

    def __init__(self, runs: int = 6, per: timedelta = timedelta(minutes=1)) -> None:
        self.runs = runs
        self.per = per
        self._used: dict[str, deque[datetime]] = {}

    def wait(self, who: str, now: datetime) -> timedelta | None:
        """None and the run counted, or how long until the next run is allowed."""
        used = self._used.setdefault(who, deque())
        while used and used[0] <= now - self.per:
            used.popleft()
        if len(used) >= self.runs:
            return used[0] + self.per - now
        used.append(now)
        return None


def _spec(data: MonitorIn) -> MonitorSpec:
    return MonitorSpec(
        id="check-now",
        name=data.name,
        kind=data.kind,
        target=data.target,
        interval=timedelta(seconds=data.interval_s),
        timeout=timedelta(seconds=data.timeout_s),
        options=dict(data.options),
        policy=DetectionPolicy(
            failure_threshold=data.failure_threshold,
            success_threshold=data.success_threshold,
            degraded_latency_ms=data.degraded_latency_ms,
        ),
    )


def _phases(measured: dict[str, float]) -> tuple[Phase, ...]:
    found, start = [], 0.0
    for name, label in PHASES:
        if name in measured:
            found.append(Phase(name, label, measured[name], start))
            start += measured[name]
    return tuple(found)


async def check_once(data: MonitorIn) -> CheckNow:
    """Validate as a save would (the same messages), then run the check once."""
    if problems := kind_problems(data):
        raise Invalid(problems)
    if not getattr(check_class(data.kind), "scheduled", True):
        raise Conflict(
            "not_checked", f"a {data.kind} monitor waits to be called; there is nothing to run"
        )
    spec = _spec(data)
    checks = CheckSet()
    try:
        async with asyncio.timeout((spec.timeout + GRACE).total_seconds()):
            result = await checks.run(spec)
    except TimeoutError:
        return CheckNow(Verdict.FAILED, None, "the check did not finish", None, ())
    finally:
        await checks.close()
    verdict = classify(result.ok, result.latency_ms, spec.policy, degraded=result.degraded)
    return CheckNow(
        verdict, result.latency_ms, result.error, result.status_code, _phases(result.phases)
    )
