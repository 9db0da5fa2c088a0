"""The per-host limit: at most N checks of one host at once, on top of the global limit.
On virtual time (tests/support/virtual_time.py): exact, and no real waiting."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime

import pytest

from hiccup.checks.base import CheckResult
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.scheduler import Scheduler, host_key
from tests.support.specs import fake_spec
from tests.support.virtual_time import now, on_virtual_time


def _spec(monitor_id: str, target: str) -> MonitorSpec:
    return fake_spec(monitor_id, target=target, timeout=10)


class Hosts:
    """An executor whose runs take a per-host time, counting runs in flight per host."""

    def __init__(self, durations: dict[str, float]) -> None:
        self.durations = durations
        self.running: Counter[str] = Counter()
        self.most: Counter[str] = Counter()
        self.most_total = 0
        self.reported: Counter[str] = Counter()

    async def execute(self, spec: MonitorSpec) -> CheckResult:
        host = host_key(spec.target)
        self.running[host] += 1
        self.most[host] = max(self.most[host], self.running[host])
        self.most_total = max(self.most_total, self.running.total())
        try:
            await asyncio.sleep(self.durations[host])
        finally:
            self.running[host] -= 1
        return CheckResult(ok=True)

    def sink(self, spec: MonitorSpec, result: CheckResult, started_at: datetime) -> None:
        self.reported[host_key(spec.target)] += 1


async def _run(scheduler: Scheduler, seconds: float) -> None:
    task = asyncio.create_task(scheduler.run())
    await asyncio.sleep(seconds)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


@on_virtual_time
async def test_it_runs_at_most_per_host_checks_of_one_host_at_once() -> None:
    hosts = Hosts({"a.example": 0.15, "b.example": 0.15})
    specs = [_spec(f"a{n}", f"https://a.example/{n}") for n in range(12)]
    specs += [_spec(f"b{n}", f"b.example:{n + 1}") for n in range(12)]
    scheduler = Scheduler(hosts.execute, hosts.sink, per_host=3, mono_clock=now)
    scheduler.set_monitors(specs)
    await _run(scheduler, 0.8)
    assert hosts.most == {"a.example": 3, "b.example": 3}
    assert hosts.most_total == 6


@on_virtual_time
async def test_checks_queued_behind_a_slow_host_leave_the_global_slots_to_others() -> None:
    hosts = Hosts({"slow.example": 3600, "fast.example": 0.01})
    specs = [_spec(f"s{n}", f"http://slow.example/{n}") for n in range(10)]
    specs += [_spec(f"f{n}", f"http://fast.example/{n}") for n in range(4)]
    scheduler = Scheduler(hosts.execute, hosts.sink, concurrency=4, per_host=2, mono_clock=now)
    scheduler.set_monitors(specs)
    await _run(scheduler, 0.8)
    assert hosts.most["slow.example"] == 2
    # Had the queued slow runs taken global slots first, the fast host would have starved.
    assert hosts.reported["fast.example"] >= 8


def test_it_rejects_a_per_host_limit_below_one() -> None:
    hosts = Hosts({})
    with pytest.raises(ValueError, match="per_host"):
        Scheduler(hosts.execute, hosts.sink, per_host=0)
