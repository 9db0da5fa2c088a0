"""kill -9 of Hiccup in the middle of a fan-out: restart it and count what each subscriber got.

The real path end to end: `python -m hiccup serve` watches a loopback target; the target goes
down, an incident opens, and its notice fans out to a few thousand confirmed subscribers over
SMTP. The process is killed (SIGKILL) while mails are flowing, restarted, and left to drain.

Every subscriber must receive the notice, under one Message-ID. A second copy is possible only
for a mail the server accepted in the instant before the kill, before its "delivered" mark
committed (the row was leased then, so its id is known): the test checks that any copy is one
of those, and the email lane never holds more than 4 x pool_size of them.
"""

from __future__ import annotations

import asyncio
import signal
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hiccup.config.load import parse_config
from hiccup.notify.outbox import OutboxState, message_id_for
from hiccup.server.runtime import Hiccup
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables_notify import outbox
from tests.support.notify_helpers import START, SmtpSink, add_subscribers
from tests.support.serve_process import HiccupServe, child_server
from tests.support.store_helpers import answered
from tests.support.targets import HttpTarget

SUBSCRIBERS = 1000
POOL = 4
CONFIG = """\
page: {{name: Flexo Hosting, url: "http://status.flexo.example", publish_after: 0s}}
components: [{{name: flexo}}]
monitors:
  - {{name: flexo, kind: http, target: "{target}", component: flexo, interval: 1s,
      timeout: 1s, failure_threshold: 1, success_threshold: 1}}
notifications:
  smtp: {{host: 127.0.0.1, port: {smtp}, security: none, from: status@flexo.example,
         pool_size: {pool}}}
  delivery: {{timeout: 2500ms, lease: 5s}}
"""


@pytest.fixture
async def world(
    engine: AsyncEngine, tmp_path: Path
) -> AsyncIterator[tuple[HiccupServe, SmtpSink, HttpTarget]]:
    sink, target = SmtpSink(), HttpTarget()
    sink.start()
    await target.start()
    text = CONFIG.format(target=target.url, smtp=sink.port, pool=POOL)
    (tmp_path / "hiccup.yaml").write_text(text)
    await Hiccup(engine, parse_config(text, tmp_path / "hiccup.yaml")).prepare()
    await add_subscribers(engine, [f"s{i}@example.com" for i in range(SUBSCRIBERS)], START)
    served = child_server(tmp_path, engine.url.render_as_string(False))
    yield served, sink, target
    served.kill()
    await target.stop()
    sink.stop()


async def leased_keys(engine: AsyncEngine) -> set[str]:
    query = select(outbox.c.idempotency_key).where(
        outbox.c.state == OutboxState.PENDING.value, outbox.c.lease_owner.is_not(None)
    )
    async with engine.connect() as conn:
        return set((await conn.execute(query)).scalars())


async def pending(engine: AsyncEngine) -> int:
    query = select(func.count()).where(outbox.c.state == OutboxState.PENDING.value)
    async with engine.connect() as conn:
        return int((await conn.execute(query.select_from(outbox))).scalar_one())


async def test_a_kill_9_mid_fan_out_loses_nothing_and_duplicates_only_in_flight_mail(
    engine: AsyncEngine, world: tuple[HiccupServe, SmtpSink, HttpTarget]
) -> None:
    served, sink, target = world
    served.start()
    await served.healthy()
    async with asyncio.timeout(30):
        # Up once first, else its outage is the operator's only (hiccup.core.reach).
        while not await answered(engine, "flexo"):  # noqa: ASYNC110 - watching the database
            await asyncio.sleep(0.05)
    await target.stop()
    async with asyncio.timeout(60):
        while sink.count() < SUBSCRIBERS // 5:  # noqa: ASYNC110 - watching the sink
            await asyncio.sleep(0.005)
    served.kill()
    at_kill = sink.count()
    assert at_kill < SUBSCRIBERS, "the fan-out was over before the kill; nothing was tested"
    in_flight = {message_id_for(k, "flexo.example") for k in await leased_keys(engine)}

    served.start()
    async with asyncio.timeout(90):
        while await pending(engine) or len(sink.per_recipient()) < SUBSCRIBERS:
            served.running()
            await asyncio.sleep(0.2)
    served.kill(signal.SIGTERM)

    ids: dict[str, set[str]] = defaultdict(set)
    copies: dict[str, int] = defaultdict(int)
    for item in sink.snapshot():
        assert "flexo is unavailable" in str(item.message["Subject"])
        for recipient in item.recipients:
            ids[recipient].add(item.message_id)
        copies[item.message_id] += 1
    assert len(ids) == SUBSCRIBERS, "every subscriber got the notice"
    assert all(len(found) == 1 for found in ids.values()), "one Message-ID per subscriber"
    duplicated = {mid for mid, n in copies.items() if n > 1}
    assert duplicated <= in_flight, "a second copy only of mail in flight at the kill"
    assert len(in_flight) <= 4 * POOL, "the email lane holds at most 4 x pool_size rows"
    assert sum(copies.values()) == SUBSCRIBERS + len(duplicated)
