"""An overloaded server says so where operators look: a banner on the admin dashboard and
`GET /api/v1/engine`, from the scheduler's counts of the last ten minutes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from hiccup.auth.roles import Role, Scope
from hiccup.checks.base import CheckResult
from hiccup.core.engine_health import EngineHealth
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.scheduler import Scheduler
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import add_user, bearer, client_for, log_in, running
from tests.support.virtual_time import now, on_virtual_time

STRUGGLING = EngineHealth(
    monitors=3000, due_per_second=3000, behind_slots=812, unreliable_runs=0, worst_stall_ms=40
)


async def test_the_dashboard_and_the_api_tell_when_this_server_cannot_keep_up(
    engine: AsyncEngine,
) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        headers = await bearer(engine, owner, [Scope.READ])
        calm = (await client.get("/api/v1/engine", headers=headers)).json()
        assert calm["running"] is True
        assert calm["keeping_up"] is True
        assert (await log_in(client, "olga")).status_code == 303
        assert "not keeping up" not in (await client.get("/admin/")).text

        hiccup.admin.ops.engine_health = lambda: STRUGGLING
        page = (await client.get("/admin/")).text
        assert "This server is not keeping up with its checks." in page
        assert "812 check runs were skipped" in page
        assert "3000 checks a second are due" in page
        told = (await client.get("/api/v1/engine", headers=headers)).json()
        assert told["keeping_up"] is False
        assert told["behind_slots_10m"] == 812


@on_virtual_time
async def test_the_scheduler_reports_its_own_overload() -> None:
    async def slow(_spec: MonitorSpec) -> CheckResult:
        await asyncio.sleep(0.05)
        return CheckResult(ok=True, latency_ms=50)

    specs = [
        MonitorSpec(f"m{n}", f"m{n}", "fake", "x", timedelta(seconds=0.2), timedelta(seconds=1))
        for n in range(10)
    ]
    scheduler = Scheduler(slow, lambda *_: None, concurrency=1, mono_clock=now)
    scheduler.set_monitors(specs)
    assert scheduler.health().keeping_up
    task = asyncio.create_task(scheduler.run())
    await asyncio.sleep(1.0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    health = scheduler.health()
    assert health.monitors == 10
    assert health.behind_slots > 0
    assert not health.keeping_up
