"""Several pages from one database: each built in its own zone, with only its components, and a
private page kept apart, through the real store and snapshot builder on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from hiccup.config.load import parse_config
from hiccup.server.runtime import Hiccup
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import components

CONFIG = """\
page: {name: Acme, time_zone: UTC}
pages:
  - {name: Acme Japan, slug: jp, time_zone: Asia/Tokyo, components: [api], history_days: 30}
  - name: Ops
    slug: ops
    components: [db]
    private: {allow_networks: [10.0.0.0/8]}
components:
  - {name: API, key: api}
  - {name: Database, key: db}
"""


async def test_each_page_is_built_in_its_zone_with_its_components(engine: AsyncEngine) -> None:
    hiccup = Hiccup(engine, parse_config(CONFIG, Path("pages.yaml")))
    await hiccup.prepare()
    async with engine.begin() as conn:
        await conn.execute(
            update(components).where(components.c.key == "db").values(status="major_outage")
        )
    snapshot = await hiccup.snapshots.rebuild()

    main = snapshot.assets["/"].body.decode()
    assert "API" in main
    assert "Database" not in main  # only on the private page
    assert "All Systems Operational" in main

    japan = snapshot.assets["/p/jp/api/v2/summary.json"].body.decode()
    assert '"time_zone":"Asia/Tokyo"' in japan
    assert '"name":"Acme Japan"' in japan
    assert "+09:00" in japan
    assert snapshot.assets["/p/jp/"].body.decode().count('class="day ') == 30

    ops = snapshot.assets["/p/ops/"]
    assert ops.private
    assert "Database is down" in ops.body.decode()  # its own page names it
    assert snapshot.guards["ops"].networks
    assert not any(a.private for p, a in snapshot.assets.items() if not p.startswith("/p/ops"))
