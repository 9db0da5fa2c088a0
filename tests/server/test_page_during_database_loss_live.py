"""The whole process loses its database during a real outage: the page shows the outage its
checks confirmed, says updates are delayed, and hands over to the stored status once the
database is back (the incident then opened from the transition written late)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from hiccup.config.load import parse_config
from hiccup.server.runtime import Hiccup, Settings
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.database_link import Link
from tests.support.page_helpers import serving, until
from tests.support.store_helpers import answered
from tests.support.targets import HttpTarget

CONFIG = """\
page: {{name: Flexo Hosting, time_zone: UTC, publish_after: 0s}}
components: [{{name: flexo, key: flexo}}]
monitors:
  - {{name: flexo, kind: http, target: "{url}", component: flexo, interval: 1s, timeout: 1s,
      failure_threshold: 2, success_threshold: 2}}
"""
DELAYED = "Updates are delayed since"


async def summary(client: httpx.AsyncClient) -> dict[str, Any]:
    found: dict[str, Any] = (await client.get("/api/v2/summary.json")).json()
    return found


async def test_a_live_page_shows_an_outage_confirmed_while_its_database_is_away(
    engine: AsyncEngine, http_target: HttpTarget, tmp_path_factory: pytest.TempPathFactory
) -> None:
    link = await Link.to(engine, tmp_path_factory.mktemp("parked"))
    config = parse_config(CONFIG.format(url=http_target.url), Path("loss.yaml"))
    hiccup = Hiccup(link.engine, config, settings=Settings(flush_seconds=0.1))
    try:
        async with serving(hiccup.app()) as base, httpx.AsyncClient(base_url=base) as client:

            async def flexo_is(status: str) -> bool:
                [flexo] = (await summary(client))["components"]
                return bool(flexo["status"] == status)

            async def delayed() -> bool:
                return DELAYED in (await client.get("/")).text

            await until(lambda: flexo_is("operational"))
            await until(lambda: answered(engine, "flexo"))  # else its outage is not public
            await link.cut()
            await http_target.stop()
            await until(lambda: flexo_is("major_outage"))
            assert await delayed()
            assert (await summary(client))["incidents"] == []  # none written yet

            await link.restore()

            async def incident_open() -> bool:
                return len((await summary(client))["incidents"]) == 1

            await until(incident_open)
            assert await flexo_is("major_outage")
            assert not await delayed()
    finally:
        await link.close()
