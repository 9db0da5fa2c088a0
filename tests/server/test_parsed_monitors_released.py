"""Once started, the server reads its monitors from the database, so it lets the parsed
config's models of them go (memory, issue #18); a start that fails and is retried still syncs
every monitor of the config, and the checks keep running from the database's copy."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from hiccup.config.load import parse_config
from hiccup.server.runtime import Hiccup, Settings
from hiccup.store.asyncio_engine import AsyncEngine
from tests.server.test_database_down_start import unreachable
from tests.support.page_helpers import serving, until
from tests.support.store_helpers import answered
from tests.support.targets import HttpTarget

CONFIG = """\
page: {{name: Flexo Hosting}}
components: [{{name: flexo, key: flexo}}, {{name: bender, key: bender}}]
monitors:
  - {{name: flexo, kind: http, target: "{url}", component: flexo, interval: 1s, timeout: 1s}}
  - {{name: bender, kind: http, target: "{url}", component: bender, interval: 1s, timeout: 1s}}
"""


async def test_a_started_server_keeps_no_parsed_monitors_and_keeps_checking(
    engine: AsyncEngine, http_target: HttpTarget, tmp_path_factory: pytest.TempPathFactory
) -> None:
    config = parse_config(CONFIG.format(url=http_target.url), Path("released.yaml"))
    outage = await unreachable(engine, tmp_path_factory.mktemp("parked"))
    hiccup = Hiccup(outage.engine, config, settings=Settings(flush_seconds=0.1))
    try:
        async with serving(hiccup.app()) as base, httpx.AsyncClient(base_url=base):
            assert hiccup.config is not None
            assert len(hiccup.config.monitors) == 2  # not started: kept for the retry
            await outage.restore()

            async def started() -> bool:
                return (
                    hiccup.scheduler is not None
                    and hiccup.config is not None
                    and not (hiccup.config.monitors)
                )

            await until(started, seconds=60)
            await until(lambda: answered(engine, "flexo"))
            await until(lambda: answered(engine, "bender"))
            assert hiccup.notifications.hiccup_config is hiccup.config
            assert hiccup.config.page.name == "Flexo Hosting"
    finally:
        await outage.engine.dispose()
        await outage.cleanup()
