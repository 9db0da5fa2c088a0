"""An operator walks the console: the dashboard's rows with their figures, sorted by a column,
then a monitor's own page with its charts, at 1280 and 390 px, light and dark. Nothing
overflows the screen, the CSP blocks nothing, and each view leaves a screenshot in
artifacts/browser (console-dashboard-*, console-monitor-*)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, StorageState, expect
from sqlalchemy import insert, select, update

from hiccup.store.database import create_engine
from hiccup.store.results import write_results
from hiccup.store.tables import monitors, outages
from hiccup.store.tables_history import rollups_hourly
from tests.browser.page_server import screenshot_path
from tests.store.test_monitor_figures import outage_row, result_row, rollup_row
from tests.support.admin_helpers import PASSWORD, example_config
from tests.support.certificates import certificate_ending
from tests.support.live_admin import LiveAdmin, live_admin

pytestmark = pytest.mark.browser
SIZES = {"desk": (1280, 800), "phone": (390, 844)}
# Checked once a day: a monitor's first run lands at an offset spread over its interval, so a walk
# of a minute almost never meets one. With 1m, a live check (refused, so without a latency)
# replaced a seeded latest result mid-walk and left one latency to sort (five-run 3).
CONFIG = """
page: {name: Example hosting, slug: default}
components: [{name: amy}]
monitors:
  - {name: amy website, key: amy, kind: http, target: "https://127.0.0.1:9/", component: amy,
     interval: 1d}
  - {name: amy database, key: db, kind: tcp, target: "127.0.0.1:9", component: amy, interval: 1d}
  - {name: nightly backup, key: backup, kind: heartbeat, period: 1d, grace: 1h,
     token: backup-token-0123456789}
"""


def spread(base: float) -> list[float]:
    """An hour's latencies with a tail, so p50, p95 and p99 draw apart."""
    return [base] * 90 + [base * 1.5] * 8 + [base * 3] * 2


async def _seed_history(url: str) -> None:
    """A day of hourly rollups, recent results with phases and an outage, as a running
    instance would have after a day."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    hour = now.replace(minute=0, second=0, microsecond=0)
    try:
        async with engine.begin() as conn:
            keyed = select(monitors.c.id).where(monitors.c.key != "backup").order_by(monitors.c.key)
            ids = [str(i) for i in (await conn.execute(keyed)).scalars()]
            # Watched for two days, so the outage below counts against the 24 h uptime.
            await conn.execute(update(monitors).values(created_at=now - timedelta(days=2)))
            await conn.execute(
                insert(rollups_hourly),
                [
                    rollup_row(m, hour - timedelta(hours=h), spread(40.0 + 9 * (h % 7) + 30 * n))
                    for n, m in enumerate(ids)
                    for h in range(1, 25)
                ],
            )
            phases = {"dns": 3.0, "connect": 9.0, "tls": 21.0, "first_byte": 30.0, "total": 70.0}
            cert = certificate_ending(now + timedelta(days=61))
            await write_results(
                conn,
                [
                    result_row(
                        m,
                        now - timedelta(minutes=k + 5),
                        70.0 + 5 * k + 20 * n,
                        phases=phases,
                        # The website's https checks read its certificate; the database's none.
                        certificate=cert if n == 0 else None,
                    )
                    for n, m in enumerate(ids)
                    for k in range(8)
                ],
                datetime.now(UTC),
            )
            await conn.execute(
                insert(outages),
                outage_row(ids[0], now - timedelta(hours=5), now - timedelta(hours=4, minutes=40)),
            )
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("console")


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[LiveAdmin]:
    with live_admin(folder, example_config(CONFIG), PASSWORD) as live:
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, _seed_history(f"sqlite:///{folder / 'hiccup.db'}")).result()
        yield live


def latencies(page: Page) -> list[float]:
    cells = page.locator("table.monitors tbody tr td:nth-child(4)")
    return [float(v) for v in cells.evaluate_all("cs => cs.map(c => c.dataset.sort)") if v]


def fits(page: Page, view: str, size: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{view} overflows by {overflow}px at {size}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desk", "phone"])
def test_dashboard_then_a_monitors_page(
    browser: Browser, server: LiveAdmin, signed_in: StorageState, size: str, scheme: str
) -> None:
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        color_scheme="dark" if scheme == "dark" else "light",
        storage_state=signed_in,
    )
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    page.goto(server.base_url + "/admin/")
    table = page.locator("table.monitors")
    expect(table.locator("svg.spark").first).to_be_visible()
    expect(table.get_by_text("98.61 %")).to_be_visible()  # 20 min down of 24 h, floored

    # Sorting by latency orders the rows by it (in the database, across pages); pressed
    # again, the other way round. The address follows, so a reload keeps the order.
    table.get_by_role("link", name="Latency").click()
    expect(table.locator("th[aria-sort=ascending]")).to_have_text("Latency")
    rising = latencies(page)
    assert len(rising) >= 2, rising
    assert rising == sorted(rising), rising
    table.get_by_role("link", name="Latency").click()
    expect(table.locator("th[aria-sort=descending]")).to_have_text("Latency")
    falling = latencies(page)
    # Each read is checked on its own: the monitors keep checking between reads, so a figure
    # may change or go (runs saw [18, 90] then [90, 18], and [90, 70] then [70] after a reload).
    assert len(falling) >= 2, falling
    assert falling == sorted(falling, reverse=True), falling
    expect(page).to_have_url(re.compile(r"/admin/\?sort=latency&dir=desc"))
    page.reload()
    expect(table.locator("th[aria-sort=descending]")).to_have_text("Latency")
    reloaded = latencies(page)  # in order again, though the figures may have moved on
    assert reloaded == sorted(reloaded, reverse=True), reloaded
    fits(page, "the dashboard", size)
    page.screenshot(path=str(screenshot_path(f"console-dashboard-{size}-{scheme}")), full_page=True)

    page.get_by_role("link", name="amy website").click()
    expect(page.get_by_role("heading", name="amy website")).to_be_visible()
    chart = page.locator("svg.chart.latency")
    expect(chart).to_be_visible()
    assert chart.locator("path.p95").get_attribute("d")
    page.get_by_role("link", name="7d", exact=True).click()
    expect(page.locator("a[aria-current=page]")).to_have_text("7d")
    expect(page.locator("svg.phases").first).to_be_visible()
    expect(page.get_by_role("cell", name="20 min")).to_be_visible()  # the outage's window
    details = page.locator("dl.certificate")
    expect(details).to_contain_text("61 days left")  # rounded, as the dashboard does
    expect(details).to_contain_text("Example Issuing CA (Example Trust)")
    fits(page, "the monitor's page", size)
    page.screenshot(path=str(screenshot_path(f"console-monitor-{size}-{scheme}")), full_page=True)
    assert not blocked, blocked
    context.close()
