"""The console through the real app: dashboard rows with their figures and live refresh, the
page per monitor over each range, a heartbeat's ping log, and the admin's CSP kept."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import insert, select, update

from hiccup.auth.roles import Role, Scope
from hiccup.core.clock import ManualClock
from hiccup.server.runtime import Hiccup, Settings
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.results import write_results
from hiccup.store.tables import monitor_states, monitors, outages
from hiccup.store.tables_history import rollups_daily, rollups_hourly
from hiccup.web.admin.base import ADMIN_CSP
from tests.store.test_monitor_figures import outage_row, result_row, rollup_row
from tests.support.admin_helpers import add_user, bearer, client_for, example_config, log_in
from tests.support.certificates import certificate_ending

NOW = datetime(2026, 12, 5, 12, 30, 10, tzinfo=UTC)
CERT_END = NOW + timedelta(days=30, hours=2)
CONFIG = """
page: {name: Example hosting, slug: default}
components: [{name: flexo}]
monitors:
  - {name: shop, key: shop, kind: http, target: "https://127.0.0.1:9/", component: flexo}
  - {name: cert, key: cert, kind: tls, target: "127.0.0.1:9"}
  - {name: backup, key: backup, kind: heartbeat, period: 5m, grace: 1m,
     token: backup-token-0123456789}
"""


async def seed(engine: AsyncEngine) -> dict[str, str]:
    async with engine.begin() as conn:
        found = await conn.execute(select(monitors.c.key, monitors.c.id))
        ids: dict[str, str] = {str(key): str(id_) for key, id_ in found.all()}
        await conn.execute(update(monitors).values(created_at=NOW - timedelta(days=3)))
        shop = ids["shop"]
        await conn.execute(
            insert(monitor_states),
            [
                {
                    "monitor_id": shop,
                    "track": {},
                    "state": "up",
                    "last_result_at": NOW - timedelta(seconds=10),
                },
                {"monitor_id": ids["cert"], "track": {}, "state": "down", "last_result_at": NOW},
            ],
        )
        phases = {"dns": 2.0, "connect": 3.0, "tls": 12.0, "first_byte": 40.0, "total": 61.0}
        await write_results(
            conn,
            [
                result_row(
                    shop, NOW - timedelta(minutes=1), 58.0, phases={"connect": 3.0, "total": 58.0}
                ),
                result_row(
                    shop,
                    NOW - timedelta(seconds=10),
                    61.0,
                    phases=phases,
                    status_code=200,
                    certificate=certificate_ending(CERT_END),
                ),
                result_row(ids["backup"], NOW - timedelta(minutes=3), 1500.0, status_code=None),
            ],
            NOW,
        )
        hour = NOW.replace(minute=0, second=0)
        await conn.execute(
            insert(rollups_hourly),
            [
                rollup_row(shop, hour - timedelta(hours=h), [50.0, 60.0, 70.0, 400.0])
                for h in range(1, 30)
            ],
        )
        day = hour.replace(hour=0)
        await conn.execute(
            insert(rollups_daily),
            [rollup_row(shop, day - timedelta(days=d), [55.0, 65.0, 300.0]) for d in range(3)],
        )
        await conn.execute(
            insert(outages),
            [
                outage_row(shop, NOW - timedelta(hours=8), NOW - timedelta(hours=6)),
                outage_row(ids["cert"], NOW - timedelta(minutes=5), None),
            ],
        )
    return ids


@asynccontextmanager
async def console(engine: AsyncEngine) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    clock = ManualClock(NOW)
    hiccup = Hiccup(
        engine, example_config(CONFIG), clock=clock, settings=Settings(snapshot_dir=None)
    )
    await hiccup.prepare()
    ids = await seed(engine)
    await add_user(engine, "olga", Role.OWNER)
    async with client_for(hiccup) as client:
        assert (await log_in(client, "olga")).status_code == 303
        yield client, ids


def row_of(page: str, monitor_id: str) -> str:
    found = re.search(rf'<tr data-monitor="{monitor_id}">(.*?)</tr>', page, re.S)
    assert found, f"no row for {monitor_id}"
    return found.group(1)


def no_inline_script(page: str) -> None:
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag, tag


async def test_the_dashboard_rows_carry_each_figure(engine: AsyncEngine) -> None:
    async with console(engine) as (client, ids):
        answer = await client.get("/admin/")
        assert answer.status_code == 200
        assert answer.headers["content-security-policy"] == ADMIN_CSP
        page = answer.text
        no_inline_script(page)
        assert '<script src="/admin/static/live-rows.js" defer></script>' in page
        shop = row_of(page, ids["shop"])
        assert f'href="/admin/monitors/{ids["shop"]}"' in shop
        assert ">6 h ago<" in shop  # up since its outage ended
        assert ">61 ms<" in shop
        assert ">91.66 %<" in shop  # 2 h down of the last 24 h, floored
        assert '<svg class="spark"' in shop
        assert ">30 d<" in shop  # days left on the certificate
        assert ">10 s ago<" in shop
        assert ">in 50 s<" in shop  # every 60 s by default
        cert = row_of(page, ids["cert"])
        assert ">5 min ago<" in cert  # down since its open outage began
        assert ">99.65 %<" in cert
        backup = row_of(page, ids["backup"])
        assert 'data-sort="">—<' in backup  # no certificate, no next check for a heartbeat


async def test_the_rows_refresh_themselves_with_the_same_filters(engine: AsyncEngine) -> None:
    async with console(engine) as (client, ids):
        answer = await client.get(
            "/admin/monitors/table?status=down&sort=latency", headers={"hx-request": "true"}
        )
        assert "<html" not in answer.text
        assert (
            'hx-get="/admin/monitors/table?status=down&amp;sort=latency&amp;page=1" '
            'hx-trigger="hiccup:refresh"' in answer.text
        )
        # The address bar follows, so a reload shows the same rows in the same order.
        assert answer.headers["hx-replace-url"] == "/admin/?status=down&sort=latency&page=1"
        assert ids["cert"] in answer.text
        assert ids["shop"] not in answer.text


def row_order(page: str) -> list[str]:
    return re.findall(r'<tr data-monitor="(\w+)">', page)


async def test_the_order_is_in_the_address_and_every_link(engine: AsyncEngine) -> None:
    async with console(engine) as (client, ids):
        page = (await client.get("/admin/?sort=latency&dir=desc")).text
        # backup 1.5 s, shop 61 ms; cert has no latency: last either way.
        assert row_order(page) == [ids["backup"], ids["shop"], ids["cert"]]
        heading = re.search(r'<th scope="col" aria-sort="descending"><a (.*?)</th>', page)
        assert heading, "the latency column says how it is sorted"
        assert 'href="/admin/?sort=latency&amp;page=1"' in heading.group(1)  # flips
        assert '<input type="hidden" name="sort" value="latency" form="filters">' in page
        assert '<input type="hidden" name="dir" value="desc" form="filters">' in page
        rising = (await client.get("/admin/?sort=latency")).text
        assert row_order(rising) == [ids["shop"], ids["backup"], ids["cert"]]
        worst = (await client.get("/admin/?sort=status")).text
        assert row_order(worst)[0] == ids["cert"]  # the one monitor down
        # Anything else in the address is the default order, by name.
        odd = (await client.get("/admin/?sort=__class__&dir=sideways")).text
        assert row_order(odd) == [ids["backup"], ids["cert"], ids["shop"]]
        assert 'aria-sort="ascending"><a class="sort" href="/admin/?dir=desc&amp;page=1"' in odd


@pytest.mark.parametrize("span", ["1h", "24h", "7d", "30d", "90d"])
async def test_the_monitor_page_over_each_range(engine: AsyncEngine, span: str) -> None:
    async with console(engine) as (client, ids):
        answer = await client.get(f"/admin/monitors/{ids['shop']}?range={span}")
        assert answer.status_code == 200
        assert answer.headers["content-security-policy"] == ADMIN_CSP
        page = answer.text
        no_inline_script(page)
        assert f'aria-current="page">{span}<' in page
        chart = re.search(r'<svg class="chart latency".*?</svg>', page, re.S)
        assert chart
        if span == "1h":
            assert "each result" in chart.group(0)
            assert 'class="p99"' not in chart.group(0)
        else:
            assert 'class="p99"' in chart.group(0)
            assert "No measurements" not in chart.group(0)
        uptime = re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page)
        assert uptime[:5] == [
            ("24 h", "91.66 %"),
            ("7 d", "97.22 %"),
            ("30 d", "97.22 %"),
            ("90 d", "97.22 %"),
            ("1 y", "97.22 %"),
        ]
        assert ("Certificate", "30 days left") in uptime
        assert "2 h" in page  # the outage's measured window
        assert 'class="phase-first_byte"' in page
        assert "cert_not_after" not in page


async def test_the_monitor_page_shows_the_certificate_and_ok_phases(
    engine: AsyncEngine,
) -> None:
    cert = certificate_ending(CERT_END)
    async with console(engine) as (client, ids):
        page = (await client.get(f"/admin/monitors/{ids['shop']}")).text
        details = re.search(r'<dl class="certificate">(.*?)</dl>', page, re.S)
        assert details
        shown = dict(re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", details.group(0), re.S))
        assert shown["Valid until"] == f"{CERT_END:%Y-%m-%d %H:%M} (30 days left)"
        assert shown["Valid from"] == f"{cert.not_before:%Y-%m-%d %H:%M}"
        assert shown["Subject"] == "status.example.test"
        assert shown["Issuer"] == "Example Issuing CA (Example Trust)"
        assert ">status.example.test</span>, <span" in shown["Names"]
        assert ">127.0.0.1</span>" in shown["Names"]
        assert shown["Serial"] == f"<code>{cert.serial}</code>"
        pairs = [cert.fingerprint[i : i + 2] for i in range(0, 64, 2)]
        assert shown["SHA-256"] == f'<code class="fingerprint">{":".join(pairs)}</code>'
        # The newest result is ok, and its phases are drawn all the same (#14).
        newest = re.search(
            r"<tbody>\s*<tr>(.*?)</tr>", page.split("<h2>Latest results</h2>")[1], re.S
        )
        assert newest
        assert ">ok<" in newest.group(1)
        for phase in ("dns", "connect", "tls", "first_byte"):
            assert f'class="phase-{phase}"' in newest.group(1)
        assert "total 61 ms: dns 2 ms, connect 3 ms, tls 12 ms, first_byte 40 ms" in newest.group(1)
        # A monitor whose checks read no certificate has no such section.
        assert (
            '<dl class="certificate">'
            not in (await client.get(f"/admin/monitors/{ids['cert']}")).text
        )
        viewer = await add_user(engine, "vera", Role.VIEWER)
        headers = await bearer(engine, viewer, [Scope.READ])
        api = (await client.get(f"/api/v1/monitors/{ids['shop']}", headers=headers)).json()
        assert api["certificate"] == {
            "not_after": CERT_END.isoformat().replace("+00:00", "Z"),
            "not_before": cert.not_before.isoformat().replace("+00:00", "Z"),
            "subject_cn": "status.example.test",
            "issuer_cn": "Example Issuing CA",
            "issuer_org": "Example Trust",
            "alt_names": ["status.example.test", "127.0.0.1"],
            "serial": cert.serial,
            "fingerprint": cert.fingerprint,
        }
        listed = (await client.get("/api/v1/monitors", headers=headers)).json()["items"]
        by_id = {m["id"]: m["certificate"] for m in listed}
        assert by_id[ids["shop"]] == api["certificate"]
        assert by_id[ids["cert"]] is None


async def test_a_heartbeat_page_shows_its_ping_log(engine: AsyncEngine) -> None:
    async with console(engine) as (client, ids):
        page = (await client.get(f"/admin/monitors/{ids['backup']}")).text
        assert "<h2>Ping log</h2>" in page
        assert "1.5 s" in page
        assert "Latest results" not in page


async def test_unknown_monitors_ranges_and_the_new_form(engine: AsyncEngine) -> None:
    async with console(engine) as (client, ids):
        assert (await client.get("/admin/monitors/nope")).status_code == 404
        fallback = (await client.get(f"/admin/monitors/{ids['shop']}?range=5y")).text
        assert 'aria-current="page">24h<' in fallback
        form = await client.get("/admin/monitors/new")
        assert form.status_code == 200
        assert "<form" in form.text
