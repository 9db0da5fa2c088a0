"""`show_response_time` on a component: its public page shows the last day's response-time
chart (p50/p95/p99 per hour, its public monitors merged) and 24 h / 30 d / 90 d uptime; the
others do not, and the page's CSP stays what it was."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, update

from hiccup.config.load import parse_config
from hiccup.core.clock import ManualClock
from hiccup.server.runtime import Hiccup, Settings
from hiccup.snapshot.site import site_from_config
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.monitor_figures import component_latency
from hiccup.store.tables import components, monitors, outages, pages
from hiccup.store.tables_history import rollups_hourly
from tests.store.test_monitor_figures import outage_row, rollup_row

NOW = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
CONFIG = """
page: {name: Example hosting, slug: default}
components:
  - {name: API, key: api, show_response_time: true}
  - {name: Mail, key: mail}
  - name: Storage
    key: storage
    show_response_time: true
    components: [{name: Disks, key: disks}]
monitors:
  - {name: api one, key: api-1, kind: tcp, target: "127.0.0.1:9", component: api}
  - {name: api two, key: api-2, kind: tcp, target: "127.0.0.1:9", component: api}
  - {name: api hidden, key: api-3, kind: tcp, target: "127.0.0.1:9", component: api, public: false}
  - {name: mail, key: mail, kind: tcp, target: "127.0.0.1:9", component: mail}
  - {name: disks, key: disks, kind: tcp, target: "127.0.0.1:9", component: disks}
"""


def test_the_site_knows_which_components_chart_their_response_time() -> None:
    site = site_from_config(parse_config(CONFIG, Path("hiccup.yaml")))
    assert site.response_time_keys == frozenset({"api", "storage"})
    assert site.public().response_time_keys == site.response_time_keys


async def prepared(engine: AsyncEngine) -> tuple[Hiccup, dict[str, str]]:
    config = parse_config(CONFIG, Path("hiccup.yaml"))
    hiccup = Hiccup(engine, config, clock=ManualClock(NOW), settings=Settings(snapshot_dir=None))
    await hiccup.prepare()
    hour = NOW.replace(minute=0)
    async with engine.begin() as conn:
        found = await conn.execute(select(monitors.c.key, monitors.c.id))
        ids = {str(key): str(id_) for key, id_ in found.all()}
        await conn.execute(update(monitors).values(created_at=NOW - timedelta(days=40)))
        await conn.execute(
            insert(rollups_hourly),
            [
                rollup_row(ids["api-1"], hour - timedelta(hours=2), [100.0] * 10),
                rollup_row(ids["api-2"], hour - timedelta(hours=2), [300.0] * 10),
                rollup_row(ids["api-3"], hour - timedelta(hours=2), [9000.0] * 10),
                rollup_row(ids["api-1"], hour - timedelta(hours=30), [100.0] * 10),
                rollup_row(ids["disks"], hour - timedelta(hours=1), [40.0] * 10),
                rollup_row(ids["mail"], hour - timedelta(hours=1), [40.0] * 10),
            ],
        )
        await conn.execute(
            insert(outages),
            outage_row(ids["api-1"], NOW - timedelta(days=10), NOW - timedelta(days=9)),
        )
    return hiccup, ids


async def test_a_components_hours_merge_its_public_monitors(engine: AsyncEngine) -> None:
    await prepared(engine)
    async with engine.connect() as conn:
        page_id = (await conn.execute(select(pages.c.id))).scalar_one()
        by_key = dict((await conn.execute(select(components.c.key, components.c.id))).all())
        found = await component_latency(
            conn, page_id, frozenset({"api", "storage"}), NOW - timedelta(hours=24), NOW
        )
    assert set(found) == {by_key["api"], by_key["storage"]}
    (api,) = found[by_key["api"]]  # the hour 30 h ago is outside the day
    assert api.count == 20  # the private monitor is left out
    assert api.p50 is not None
    assert api.p99 is not None
    assert 90 < api.p50 < 110
    assert 270 < api.p99 < 330
    (storage,) = found[by_key["storage"]]  # a group charts its members' monitors
    assert storage.count == 10


async def test_the_page_shows_the_chart_only_where_asked(engine: AsyncEngine) -> None:
    hiccup, _ = await prepared(engine)
    snapshot = await hiccup.snapshots.rebuild()
    page = snapshot.assets["/"]
    body = page.body.decode()
    charts = re.findall(r'<svg class="chart latency".*?</svg>', body, re.S)
    assert len(charts) == 2  # API and Storage, not Mail
    assert "Response time of API over the last 24 hours" in charts[0]
    assert 'class="p99" d="M' in charts[0]
    assert "Uptime: <span>24 hours 100" in body
    assert "30 days 96.66%" in body  # one day down of thirty
    for tag in re.findall(r"<script[^>]*>", body):
        assert "src=" in tag, tag
    csp = dict(page.headers)["content-security-policy"]
    assert "unsafe-inline" not in csp
    assert "script-src 'self'" in csp


async def test_without_the_option_the_page_has_no_chart(engine: AsyncEngine) -> None:
    config = parse_config(CONFIG.replace("show_response_time: true", "description: x"), Path("h"))
    hiccup = Hiccup(engine, config, clock=ManualClock(NOW), settings=Settings(snapshot_dir=None))
    await hiccup.prepare()
    body = (await hiccup.snapshots.rebuild()).assets["/"].body.decode()
    assert "chart latency" not in body
    assert "Uptime: <span>" not in body
