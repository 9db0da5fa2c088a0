"""PostgreSQL stopped, then a target goes down: the operator's webhook alert goes out from the
alert spool within interval x threshold + 2 s, and exactly once after the database is back,
whether the server ran on or was killed (`kill -9`) and restarted while the database was down.

Real parts only: `python -m hiccup serve` on a PostgreSQL server of the test's own (stopped and
started with pg_ctl), a loopback HTTP target and a loopback webhook receiver that counts
deliveries by Idempotency-Key.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hiccup.config.load import parse_config
from hiccup.notify.outbox import OutboxState
from hiccup.server.runtime import Hiccup
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import create_engine
from hiccup.store.tables import monitor_states
from hiccup.store.tables_notify import outbox
from tests.support.notify_helpers import Hook, WebhookReceiver
from tests.support.postgres import Cluster, own_server, server_bin
from tests.support.serve_process import HiccupServe, child_server
from tests.support.targets import HttpTarget

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(server_bin() is None, reason="PostgreSQL server not installed"),
]

INTERVAL, THRESHOLD = 1.0, 2
CONFIG = """\
page: {{name: Flexo Hosting, url: "http://status.flexo.example"}}
components: [{{name: flexo}}]
monitors:
  - {{name: flexo, kind: http, target: "{target}", component: flexo, interval: 1s,
      timeout: 1s, failure_threshold: 2, success_threshold: 1}}
notifications:
  channels:
    - {{key: ops-hook, kind: webhook, url: "{hook}"}}
  alerts:
    - {{channels: [ops-hook], on: [down, recovery]}}
  delivery: {{timeout: 2s}}
"""


@dataclass
class World:
    cluster: Cluster
    engine: AsyncEngine
    served: HiccupServe
    target: HttpTarget
    hook: Hook
    spool: Path


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with own_server() as made:
        yield made


@pytest.fixture
async def world(cluster: Cluster, tmp_path: Path) -> AsyncIterator[World]:
    receiver, target, hook = WebhookReceiver(), HttpTarget(), Hook()
    await receiver.start()
    await target.start()
    text = CONFIG.format(target=target.url, hook=receiver.add("ops", hook))
    (tmp_path / "hiccup.yaml").write_text(text)
    engine = create_engine(cluster.url)
    await Hiccup(engine, parse_config(text, tmp_path / "hiccup.yaml")).prepare()
    served = child_server(tmp_path, cluster.url)
    yield World(cluster, engine, served, target, hook, tmp_path / "alert-spool")
    served.kill()
    await engine.dispose()
    await target.stop()
    await receiver.stop()


def alerts(hook: Hook) -> list[tuple[str, dict[str, Any], float]]:
    return [(h["Idempotency-Key"], json.loads(body), at) for h, body, at in hook.requests]


async def wait_for(what: str, check: Any, seconds: float, served: HiccupServe) -> None:
    async with asyncio.timeout(seconds):
        while not await check():
            served.running()
            await asyncio.sleep(0.05)


def spool_states(directory: Path) -> list[str]:
    states = []
    for path in directory.glob("*.alert.json"):
        with contextlib.suppress(OSError, ValueError):  # replaced while being read
            states += [d["state"] for d in json.loads(path.read_bytes())["deliveries"]]
    return states


@pytest.mark.parametrize("restart", [True, False], ids=["killed-meanwhile", "running-on"])
async def test_an_alert_goes_out_without_the_database_and_exactly_once_after_it(
    world: World, restart: bool
) -> None:
    served, hook, engine = world.served, world.hook, world.engine
    served.start()
    await served.healthy()

    async def monitor_up() -> bool:
        async with engine.connect() as conn:
            state = (await conn.execute(select(monitor_states.c.state))).scalar()
        return state == "up"

    await wait_for("the monitor up", monitor_up, 30, served)
    await engine.dispose()
    world.cluster.stop()
    loop = asyncio.get_running_loop()
    await world.target.stop()
    down_at = loop.time()

    async def alerted() -> bool:
        return any(body["event"] == "down" for _, body, _ in alerts(hook))

    await wait_for("the down alert", alerted, 30, served)
    [(key, body, arrived)] = alerts(hook)
    assert arrived - down_at <= INTERVAL * THRESHOLD + 2, "alerted while the database is down"
    assert body["headline"] == "DOWN: flexo"
    assert body["type"] == "hiccup.alert"

    async def spool_noted() -> bool:
        return spool_states(world.spool) == ["delivered"]

    if restart:
        # Killed once the spool has noted the delivery: a kill between the receiver taking
        # the request and that note is sent again after the restart, under the same
        # Idempotency-Key (at-least-once; receivers dedupe by the key, docs/notifications.md).
        await wait_for("the delivery noted in the spool", spool_noted, 10, served)
        served.kill()  # kill -9 with the alert in the spool and nothing in the database
        served.start()  # still no database: it serves the page from disk and waits for it
        await served.healthy()
    await asyncio.sleep(2)
    world.cluster.start()

    async def written_back() -> bool:
        query = select(outbox.c.state).where(outbox.c.idempotency_key == key)
        try:
            async with engine.connect() as conn:
                return (await conn.execute(query)).scalar() == OutboxState.DELIVERED.value
        except OSError:
            return False

    await wait_for("the spooled alert written back", written_back, 60, served)
    await asyncio.sleep(3)  # room for a second copy, were one coming
    assert Counter(k for k, _, _ in alerts(hook)) == {key: 1}, "once, under one key"
    await world.target.start()

    async def recovered() -> bool:
        return any(body["event"] == "recovery" for _, body, _ in alerts(hook))

    await wait_for("the recovery", recovered, 30, served)
    await asyncio.sleep(1)
    events = Counter(body["event"] for _, body, _ in alerts(hook))
    assert events == {"down": 1, "recovery": 1}
    assert len({k for k, _, _ in alerts(hook)}) == 2
