"""Three probes in their own network namespaces, two `hiccup serve` processes on PostgreSQL.

A target cut off from one probe opens nothing and flags only that probe; a target down for all
opens one incident; a killed server's monitors move to the other within the lease; servers
stopped for a minute leave no hole in the probes' history.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hiccup.core.clock import SystemClock
from hiccup.store.tables import incidents
from tests.cluster.rig import LEASE_SECONDS, Cluster, eventually, largest_gap

pytestmark = pytest.mark.postgres


async def _all_up(cluster: Cluster) -> bool:
    names = ("web", "api-1", "api-2", "api-3", "api-4")
    return all([await cluster.state(n) == "up" for n in names])


async def test_a_target_cut_off_from_one_probe_flags_that_probe_and_opens_nothing(
    running: Cluster,
) -> None:
    await eventually(lambda: _all_up(running), 60, "every monitor up", running)
    lonely = running.net.probes[2]  # ap
    lonely.cut_targets()

    async def flagged() -> bool:
        return (await running.probe_health()).get("ap-1") is False

    await eventually(flagged, 40, "probe ap-1 flagged unhealthy", running)
    await asyncio.sleep(3)
    assert await running.probe_health() == {"eu-1": True, "us-1": True, "ap-1": False}
    assert await running.state("web") == "up"
    assert await running.incident_count() == 0
    keys = await running.alert_keys()
    assert [k for k in keys if k.startswith("alert:")] == []  # no target alert
    assert [k for k in keys if k.startswith("probe:")] == ["probe:ap-1:1"]

    # Now the target goes down for everyone: exactly one incident.
    lonely.restore_targets()
    await running.web.stop()

    async def down() -> bool:
        return await running.state("web") == "down"

    await eventually(down, 30, "web confirmed down", running)
    await asyncio.sleep(4)  # any duplicate would have been written by now
    assert await running.incident_count() == 1
    assert len([k for k in await running.alert_keys() if k.endswith(":down:")]) <= 1


async def test_a_killed_server_hands_its_monitors_over_and_duplicates_nothing(
    running: Cluster,
) -> None:
    await eventually(lambda: _all_up(running), 60, "every monitor up", running)
    await running.api.stop()  # an outage that begins before the kill

    async def api_incident() -> bool:
        return await running.incident_count() == 1

    await eventually(api_incident, 30, "the API incident opened", running)
    killed_at = SystemClock().now()
    running.servers[0].stop(signal.SIGKILL)
    await asyncio.sleep(LEASE_SECONDS * 3)
    await running.api.start()  # recovery is seen by the survivor

    async def resolved() -> bool:
        query = select(func.count()).where(incidents.c.resolved_at.is_not(None))
        return bool(await running.value(query) == 1)

    await eventually(resolved, 30, "the API incident resolved", running)
    assert await running.incident_count() == 1
    down_alerts = [k for k in await running.alert_keys() if ":down:" in k]
    assert len(down_alerts) == len(set(down_alerts))
    since = killed_at - timedelta(seconds=2)
    for n in range(1, 5):
        times = await running.result_times(f"api-{n}", "local", since)
        # No check of any monitor is lost for longer than the lease (plus its renewal beat).
        assert largest_gap(times) <= LEASE_SECONDS * 2 + 2, (n, times)


async def test_servers_stopped_for_a_minute_leave_no_hole_in_history(running: Cluster) -> None:
    await eventually(lambda: _all_up(running), 60, "every monitor up", running)
    stopped_at = SystemClock().now()
    for server in running.servers:
        server.stop()
    await asyncio.sleep(60)
    for server in running.servers:
        server.start()
    for server in running.servers:
        await server.ready()
    restarted_at = SystemClock().now()

    async def uploaded() -> bool:
        for region in ("eu", "us", "ap"):
            times = await running.result_times("web", f"{region}-1", stopped_at)
            if not times or times[-1] < restarted_at:
                return False
        return True

    await eventually(uploaded, 60, "the probes' buffered results uploaded", running)
    for region in ("eu", "us", "ap"):
        times = await running.result_times("web", f"{region}-1", stopped_at - timedelta(seconds=5))
        window = [t for t in times if stopped_at <= t <= restarted_at]
        assert len(window) >= 55, (region, len(window))
        assert largest_gap(times) < 3, region  # every 1 s check is there
