"""Heartbeats inside the whole process: tokens from the config or generated at sync, pings over
the app Hiccup serves, and the scheduler never running a heartbeat monitor."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import select

from hiccup.core.clock import ManualClock
from hiccup.core.status import Verdict
from hiccup.server.runtime import Hiccup, Settings
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.results import stored_results
from hiccup.store.tables import monitors
from hiccup.store.tables_heartbeats import heartbeats
from tests.support.heartbeat_helpers import START
from tests.support.store_helpers import config

TOKEN = "nightly-token-0123456789"

CONFIG = f"""\
page:
  name: Jobs
  url: https://status.example.test
monitors:
  - {{name: nightly, kind: heartbeat, period: 1d, token: {TOKEN}, interval: 1s}}
  - {{name: hourly, kind: heartbeat, cron: "0 * * * *"}}
"""


async def _tokens(engine: AsyncEngine) -> dict[str, str]:
    query = select(monitors.c.name, heartbeats.c.token).join(
        heartbeats, heartbeats.c.monitor_id == monitors.c.id
    )
    async with engine.connect() as conn:
        return {str(row.name): str(row.token) for row in await conn.execute(query)}


async def test_it_serves_pings_and_never_schedules_a_heartbeat(engine: AsyncEngine) -> None:
    hiccup = Hiccup(engine, config(CONFIG), clock=ManualClock(START), settings=Settings())
    await hiccup.start()
    try:
        tokens = await _tokens(engine)
        assert tokens["nightly"] == TOKEN
        assert len(tokens["hourly"]) >= 16  # generated at the first sync
        transport = httpx.ASGITransport(app=hiccup.app())
        async with httpx.AsyncClient(transport=transport, base_url="http://h.test") as client:
            assert (await client.get(f"/ping/{tokens['hourly']}")).status_code == 200
        # nightly's interval is 1s: had the scheduler taken it, it would have run by now.
        await asyncio.sleep(1.5)
        assert hiccup.recorder is not None
        await hiccup.recorder.flush()
        async with engine.connect() as conn:
            rows = [r.verdict.value for r in await stored_results(conn)]
        assert rows == [Verdict.OK.value]
    finally:
        await hiccup.stop()


async def test_a_token_survives_a_second_start(engine: AsyncEngine) -> None:
    first = Hiccup(engine, config(CONFIG), clock=ManualClock(START))
    await first.prepare()
    await first.reload_monitors()
    before = await _tokens(engine)
    second = Hiccup(engine, config(CONFIG), clock=ManualClock(START))
    await second.prepare()
    await second.reload_monitors()
    assert await _tokens(engine) == before


def test_the_cli_lists_ping_urls(tmp_path: Path) -> None:
    (tmp_path / "hiccup.yaml").write_text(CONFIG)
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "250"}
    env.pop("HICCUP_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "hiccup", "heartbeats"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"https://status.example.test/ping/{TOKEN}" in done.stdout
    assert "every 1d + 1m grace" in done.stdout
    assert "cron '0 * * * *' (UTC) + 1m grace" in done.stdout
