"""A feed read once stays up through a restart without the database: the server writes it to
disk when first rendered and serves the same bytes after the restart; a feed nobody ever read
answers 503 with Retry-After (it comes with the database), not 404."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from hiccup.config.load import parse_config
from hiccup.server.runtime import Hiccup, Settings
from hiccup.store.asyncio_engine import AsyncEngine
from tests.server.test_database_down_start import CONFIG, STALE, unreachable
from tests.support.page_helpers import serving
from tests.support.targets import HttpTarget


async def test_a_feed_read_before_a_restart_is_served_while_the_database_is_away(
    engine: AsyncEngine, http_target: HttpTarget, tmp_path_factory: pytest.TempPathFactory
) -> None:
    config = parse_config(CONFIG.format(url=http_target.url), Path("feeds.yaml"))
    snapshots = tmp_path_factory.mktemp("disk") / "snapshot"
    settings = Settings(snapshot_dir=snapshots, flush_seconds=0.1)
    hiccup = Hiccup(engine, config, settings=settings)
    async with serving(hiccup.app()) as base, httpx.AsyncClient(base_url=base) as client:
        atom = await client.get("/history.atom")
        ics = await client.get("/maintenance.ics")
    assert atom.status_code == 200
    assert ics.status_code == 200

    outage = await unreachable(engine, tmp_path_factory.mktemp("parked"))
    try:
        again = Hiccup(outage.engine, config, settings=settings)
        async with serving(again.app()) as base, httpx.AsyncClient(base_url=base) as client:
            assert STALE in (await client.get("/")).text
            served = await client.get("/history.atom")
            assert served.status_code == 200
            assert served.content == atom.content
            assert served.headers["etag"] == atom.headers["etag"]
            assert served.headers["content-type"] == atom.headers["content-type"]
            assert (await client.get("/maintenance.ics")).content == ics.content
            never = await client.get("/history.rss")
            assert never.status_code == 503
            assert never.headers["retry-after"] == "30"
            assert (await client.get("/nothing.rss")).status_code == 404
    finally:
        await outage.engine.dispose()
        await outage.cleanup()
