"""Two `python -m hiccup serve` processes on one PostgreSQL database; one is killed (SIGKILL)
in the middle of an outage.

Six HTTP monitors at 1 s against loopback targets are spread over both servers by leases (3 s
here). One target goes down, the outage is confirmed, its incident opens and its alert reaches
a webhook; then the server holding that monitor is killed. Within the lease time plus a margin
every monitor has fresh results from the survivor, and no monitor went unchecked for longer.
The survivor continues from the stored detector state: the outage stays one incident and one
"down" alert, and the recovery resolves that incident with one "recovery" alert.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Select, func, select

from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.results import stored_results
from hiccup.store.tables import incidents, monitors
from hiccup.store.tables_cluster import monitor_leases
from hiccup.store.tables_notify import outbox
from tests.support.cluster_helpers import fresh_engine
from tests.support.notify_helpers import Hook, WebhookReceiver
from tests.support.serve_process import HiccupServe
from tests.support.store_helpers import answered
from tests.support.targets import HttpTarget

pytestmark = pytest.mark.postgres

LEASE_SECONDS = 3.0
MARGIN_SECONDS = 5.0  # two shared cores, two servers, a database: generous on purpose
CONFIG = """\
page: {{name: Flexo Hosting, url: "http://status.flexo.example", publish_after: 0s}}
components: [{{name: web}}, {{name: flexo}}]
monitors:
{healthy}
  - {{name: flexo, kind: http, target: "{flexo}", component: flexo, interval: 1s, timeout: 1s,
      failure_threshold: 2, success_threshold: 2}}
notifications:
  channels: [{{key: ops, kind: webhook, url: "{hook}"}}]
  alerts: [{{key: ops, channels: [ops], on: [down, recovery]}}]
"""


def config_text(healthy: str, flexo: str, hook: str) -> str:
    lines = [
        f'  - {{name: web{i}, kind: http, target: "{healthy}?n={i}", component: web, '
        "interval: 1s, timeout: 1s}"
        for i in range(5)
    ]
    return CONFIG.format(healthy="\n".join(lines), flexo=flexo, hook=hook)


def start_server(config: Path, url: str, workdir: Path) -> HiccupServe:
    """One `hiccup serve` with its own port, data directory and log, started."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        "HICCUP_DATABASE_URL": url,
        "HICCUP_SECRET_KEY": "failover-test",
        "HICCUP_DATA_DIR": str(workdir),
        "HICCUP_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    return HiccupServe(workdir, config=config, env=env).start()


@dataclass
class World:
    engine: AsyncEngine
    servers: list[HiccupServe]
    flexo: HttpTarget
    hook: Hook

    async def scalar(self, query: Select[Any]) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(query)).scalar()

    async def holders(self) -> dict[str, str]:
        query = select(monitors.c.name, monitor_leases.c.holder).join(
            monitor_leases, monitor_leases.c.monitor_id == monitors.c.id
        )
        async with self.engine.connect() as conn:
            return {str(name): str(holder) for name, holder in await conn.execute(query)}

    def server_of(self, holder: str) -> HiccupServe:
        pid = int(holder.split(":")[-2])
        return next(s for s in self.servers if s.process is not None and s.process.pid == pid)

    def alerts(self, event: str) -> set[str]:
        """Idempotency keys of the alerts the webhook received for `event`."""
        return {
            headers["Idempotency-Key"]
            for headers, body, _ in self.hook.requests
            if json.loads(body)["event"] == event
        }


@pytest.fixture
async def world(postgres_url: str, tmp_path: Path) -> AsyncIterator[World]:
    healthy, flexo, receiver = HttpTarget(), HttpTarget(), WebhookReceiver()
    for target in (healthy, flexo):
        await target.start()
    await receiver.start()
    hook = Hook()
    path = tmp_path / "hiccup.yaml"
    path.write_text(config_text(healthy.url, flexo.url, receiver.add("ops", hook)))
    async with fresh_engine(postgres_url) as engine:
        url = engine.url.render_as_string(hide_password=False)
        servers = [start_server(path, url, tmp_path / name) for name in ("a", "b")]
        try:
            yield World(engine, servers, flexo, hook)
        finally:
            for server in servers:
                server.kill(signal.SIGKILL)
    await receiver.stop()
    for target in (healthy, flexo):
        await target.stop()


async def until(check: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    try:
        async with asyncio.timeout(seconds):
            while not await check():  # noqa: ASYNC110 - watching the servers from outside
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"not within {seconds:g}s: {what}") from None


async def _results_after(engine: AsyncEngine, moment: datetime) -> list[tuple[str, datetime]]:
    """(monitor name, time) of each result after `moment`, oldest first."""
    async with engine.connect() as conn:
        names = {
            row[0]: row[1] for row in await conn.execute(select(monitors.c.id, monitors.c.name))
        }
        found = await stored_results(conn)
    return [(names[r.monitor_id], r.at) for r in found if r.at > moment]


async def first_results_after(engine: AsyncEngine, moment: datetime) -> dict[str, datetime]:
    first: dict[str, datetime] = {}
    for name, at in await _results_after(engine, moment):
        first.setdefault(name, at)
    return first


async def longest_gaps(engine: AsyncEngine, since: datetime) -> dict[str, float]:
    gaps: dict[str, float] = {}
    last: dict[str, datetime] = {}
    for name, at in await _results_after(engine, since):
        if name in last:
            gaps[name] = max(gaps.get(name, 0.0), (at - last[name]).total_seconds())
        last[name] = at
    return gaps


async def test_a_killed_servers_monitors_move_without_a_second_incident_or_alert(
    world: World,
) -> None:
    await asyncio.gather(*(server.healthy(seconds=60) for server in world.servers))

    async def spread() -> bool:
        return len(set((await world.holders()).values())) == 2

    await until(spread, 30, "the monitors spread over both servers")
    # Up once first: an outage of a check that never answered is the operator's alone.
    await until(lambda: answered(world.engine, "flexo"), 30, "flexo answered")
    await world.flexo.stop()

    async def told() -> bool:
        opened = await world.scalar(select(func.count()).select_from(incidents))
        return opened == 1 and len(world.alerts("down")) == 1

    await until(told, 30, "flexo's incident opened and its alert delivered")
    victim = world.server_of((await world.holders())["flexo"])
    victim.kill(signal.SIGKILL)
    killed_at, killed_mono = datetime.now(UTC), time.monotonic()

    async def all_fresh() -> bool:
        return len(await first_results_after(world.engine, killed_at)) == 6

    await until(all_fresh, LEASE_SECONDS + 2 + MARGIN_SECONDS, "every monitor checked again")
    first = await first_results_after(world.engine, killed_at)
    failover = max((at - killed_at).total_seconds() for at in first.values())
    waited = time.monotonic() - killed_mono
    gaps = await longest_gaps(world.engine, killed_at - timedelta(seconds=5))
    print(
        f"\nfailover: every monitor checked again within {failover:.2f} s of the kill (lease "
        f"{LEASE_SECONDS:g} s; seen from outside after {waited:.2f} s); longest gap between two "
        f"results of one monitor {max(gaps.values()):.2f} s"
    )
    assert max(gaps.values()) < LEASE_SECONDS + 2 + MARGIN_SECONDS, gaps
    survivor = next(s for s in world.servers if s is not victim)
    held = await world.holders()
    assert {world.server_of(holder) for holder in held.values()} == {survivor}

    await asyncio.sleep(2)  # the survivor keeps seeing flexo down: no new transition
    await world.flexo.start()

    async def resolved() -> bool:
        done = await world.scalar(
            select(func.count()).select_from(incidents).where(incidents.c.resolved_at.is_not(None))
        )
        return done == 1 and len(world.alerts("recovery")) == 1

    await until(resolved, 30, "the incident resolved and the recovery told")
    await asyncio.sleep(1)  # room for a duplicate to show up
    assert await world.scalar(select(func.count()).select_from(incidents)) == 1
    assert len(world.alerts("down")) == 1, "one down alert, though two servers judged flexo"
    assert len(world.alerts("recovery")) == 1
    assert await world.scalar(select(func.count()).select_from(outbox)) == 2
    assert survivor.kill(signal.SIGTERM) == 0, survivor.log()
