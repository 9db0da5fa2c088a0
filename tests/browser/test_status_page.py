"""The status page in Debian's chromium: a real outage shows up live without a reload, dark mode
and a 360 px phone render, the reader gets local times and keyboard-reachable day details, and
the reconnect delay is jittered. Screenshots land in artifacts/browser/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.page_server import (
    Target,
    live_page,
    screenshot_path,
    wait_until_answered,
)

pytestmark = pytest.mark.browser

CONFIG = """\
page: {{name: Flexo Hosting, accent_color: "#1a7f37", publish_after: 0s,
        footer_links: [{{label: Contact, url: "mailto:ops@example.com"}}]}}
components:
  - name: Web servers
    key: web
    components:
      - {{name: flexo, key: flexo}}
  - {{name: E-mail, key: mail}}
monitors:
  - {{name: flexo, kind: http, target: "{url}", component: flexo, interval: 1s, timeout: 1s,
      failure_threshold: 2, success_threshold: 1}}
"""


@dataclass
class Live:
    base: str
    target: Target
    database: Path

    def wait_until_answered(self) -> None:
        wait_until_answered(self.database)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with live_page(tmp_path, CONFIG) as (base, target):
        yield Live(base, target, tmp_path / "hiccup.db")


def open_page(browser: Browser, url: str, **context: object) -> Page:
    page = browser.new_context(**context).new_page()  # type: ignore[arg-type]
    page.goto(url)
    return page


def test_a_real_outage_appears_on_the_open_page_without_a_reload(
    browser: Browser, live: Live
) -> None:
    page = open_page(browser, live.base + "/")
    expect(page.locator(".banner")).to_contain_text("All Systems Operational")
    page.evaluate("window.stillTheSamePage = true")
    live.wait_until_answered()
    live.target.stop()
    incident = page.get_by_role("heading", name="flexo is unavailable").first
    expect(incident).to_be_visible(timeout=30_000)
    expect(page.locator(".banner")).not_to_contain_text("All Systems Operational")
    assert page.evaluate("window.stillTheSamePage") is True  # swapped in place: no navigation
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    page.screenshot(path=screenshot_path("outage-live"), full_page=True)
    live.target.start()
    expect(page.locator(".banner")).to_contain_text("All Systems Operational", timeout=30_000)
    page.context.close()


def test_dark_mode_on_a_360px_phone_renders_without_sideways_scrolling(
    browser: Browser, live: Live
) -> None:
    page = open_page(
        browser, live.base + "/", color_scheme="dark", viewport={"width": 360, "height": 780}
    )
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(17, 20, 24)"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    mail_bar = page.locator("ol.bar").last  # E-mail: top level, not inside a closed group
    visible_days = mail_bar.evaluate(
        "bar => [...bar.children].filter(d => d.getBoundingClientRect().width > 0).length"
    )
    assert visible_days == 30  # ninety slivers would be unreadable on a phone
    expect(page.locator(".legend-short").last).to_be_visible()
    expect(page.locator(".legend-long").last).to_be_hidden()
    page.screenshot(path=screenshot_path("dark-360px"), full_page=True)
    light = open_page(browser, live.base + "/", viewport={"width": 1280, "height": 900})
    light.screenshot(path=screenshot_path("light-1280px"), full_page=True)
    page.context.close()
    light.context.close()


def test_times_show_the_readers_local_time_and_days_open_by_keyboard(
    browser: Browser, live: Live
) -> None:
    page = open_page(browser, live.base + "/", timezone_id="Asia/Tokyo")
    title = page.locator("footer time").get_attribute("title") or ""
    assert title.startswith("Your time: ")
    today = page.locator("ol.bar").last.locator("li[tabindex='0']")
    today.focus()
    expect(today.locator(".tip")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    focused = page.evaluate("document.activeElement.querySelector('.tip').textContent")
    assert "uptime" in focused or "no data" in focused
    expect(page.locator("li.day:focus .tip")).to_be_visible()
    page.context.close()


def test_the_reconnect_delay_is_jittered_and_capped(browser: Browser, live: Live) -> None:
    page = open_page(browser, live.base + "/")
    ceilings = page.evaluate(
        "[0, 1, 2, 3, 10].map(n => window.hiccup.reconnectDelay(n, 2000, 60000, () => 0.9999))"
    )
    assert ceilings == [1999, 3999, 7999, 15998, 59994]
    assert page.evaluate("window.hiccup.reconnectDelay(7, 2000, 60000, () => 0)") == 0
    spread = page.evaluate(
        "Array.from({length: 400}, () => window.hiccup.reconnectDelay(0, 2000, 60000))"
    )
    assert all(0 <= d < 2000 for d in spread)
    assert min(spread) < 400
    assert max(spread) > 1600  # readers of a restarted server come back spread out
    page.context.close()
