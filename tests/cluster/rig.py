"""Three probes in network namespaces and two servers on one fresh PostgreSQL database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from hiccup.config.load import parse_config
from hiccup.core.clock import SystemClock
from hiccup.server.runtime import Hiccup
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import create_engine
from hiccup.store.probes import add_probe
from hiccup.store.results import stored_results
from hiccup.store.tables import incidents, monitor_states, monitors
from hiccup.store.tables_notify import notify_messages
from hiccup.store.tables_probes import probes
from tests.cluster.netns import SERVER_ADDRESS, TARGET_ADDRESS, Topology, topology
from tests.cluster.processes import Probe, Server
from tests.support.targets import HttpTarget, reserve_port

LEASE_SECONDS = 3.0
REGIONS = ("eu", "us", "ap")

CONFIG = """\
page: {{name: Cluster, publish_after: 0s}}  # incidents at confirmation
components: [{{name: Web}}, {{name: API}}]
monitors:
  - {{name: web, kind: http, target: "{web}", interval: 1s, timeout: 800ms, component: web,
      probes: [eu, us, ap], failure_threshold: 3, success_threshold: 1}}
{api}
notifications:
  channels: [{{key: ops, kind: webhook, url: "http://127.0.0.1:9/hook"}}]
  alerts: [{{channels: [ops], on: [down, recovery]}}]
"""
API = """\
  - {{name: api-{n}, kind: http, target: "{url}", interval: 1s, timeout: 800ms, component: api,
      failure_threshold: 2, success_threshold: 1}}
"""


@dataclass
class Cluster:
    engine: AsyncEngine
    net: Topology
    servers: list[Server]
    probes: list[Probe]
    web: HttpTarget  # reached by the probes through their namespaces
    api: HttpTarget  # checked by the servers themselves (loopback)

    async def rows(self, query: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(query)).all())

    async def value(self, query: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(query)).scalar()

    async def state(self, name: str) -> str | None:
        query = select(monitor_states.c.state).join(monitors).where(monitors.c.name == name)
        state: str | None = await self.value(query)
        return state

    async def incident_count(self) -> int:
        count: int = await self.value(select(func.count()).select_from(incidents))
        return count

    async def probe_health(self) -> dict[str, bool]:
        return dict(await self.rows(select(probes.c.name, probes.c.healthy)))

    async def alert_keys(self) -> list[str]:
        query = select(notify_messages.c.key).where(notify_messages.c.kind == "alert")
        return sorted(key for (key,) in await self.rows(query))

    async def result_times(self, monitor: str, probe: str, since: datetime) -> list[datetime]:
        monitor_id = await self.value(select(monitors.c.id).where(monitors.c.name == monitor))
        async with self.engine.connect() as conn:
            found = await stored_results(conn, monitor_id)
        return [r.at for r in found if r.probe == probe and r.at >= since]

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log()}" for p in [*self.servers, *self.probes])


async def eventually(
    check: Callable[[], Awaitable[bool]], seconds: float, what: str, cluster: Cluster
) -> None:
    """Poll until `check` holds; fail with the processes' logs after `seconds`."""
    try:
        async with asyncio.timeout(seconds):
            while not await check():  # noqa: ASYNC110 - polling another process's database
                await asyncio.sleep(0.5)
    except TimeoutError:
        raise AssertionError(f"{what} within {seconds} s\n{cluster.logs()}") from None


def largest_gap(times: list[datetime]) -> float:
    return max(((b - a).total_seconds() for a, b in pairwise(times)), default=0)


async def _prepare(url: str, workdir: Path, web: HttpTarget, api: HttpTarget) -> dict[str, str]:
    text = CONFIG.format(
        web=web.url, api="".join(API.format(n=n, url=api.url) for n in range(1, 5))
    )
    (workdir / "hiccup.yaml").write_text(text)
    engine = create_engine(url)
    try:
        await Hiccup(engine, parse_config(text, workdir / "hiccup.yaml")).prepare()
        async with engine.begin() as conn:
            now = SystemClock().now()
            return {region: await add_probe(conn, f"{region}-1", now) for region in REGIONS}
    finally:
        await engine.dispose()


@asynccontextmanager
async def cluster(database_url: str, workdir: Path) -> AsyncIterator[Cluster]:
    # Ports are chosen now: the config written below names them before `web` starts.
    web, api = HttpTarget(port=reserve_port(), host=TARGET_ADDRESS), HttpTarget()
    await api.start()
    tokens = await _prepare(database_url, workdir, web, api)
    engine = create_engine(database_url)
    servers = [
        Server(name, workdir, workdir / "hiccup.yaml", database_url, SERVER_ADDRESS, LEASE_SECONDS)
        for name in ("server-a", "server-b")
    ]
    with topology(len(REGIONS)) as net:
        probes_ = [
            Probe(f"probe-{r}", workdir, r, tokens[r], n.prefix())
            for r, n in zip(REGIONS, net.probes, strict=True)
        ]
        running = Cluster(engine, net, servers, probes_, web, api)
        try:
            await web.start()
            for server in servers:
                server.start()
            for server in servers:
                await server.ready()
            for probe in probes_:
                probe.start([s.url for s in servers])
            yield running
        finally:
            for process in [*probes_, *servers]:
                process.stop()
            await web.stop()
            await api.stop()
            await engine.dispose()
