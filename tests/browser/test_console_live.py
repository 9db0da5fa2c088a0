"""In a real browser, an operator keeps the dashboard open, sorted worst first: a monitor
goes down and its row turns "down" and moves to the top within a few seconds, without a
reload, the order and the address kept. With the event stream blocked, the page says it
polls instead and the row still comes back "up". Screenshots: console-live-*."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, StorageState, expect

from tests.browser.page_server import Target, screenshot_path
from tests.support.admin_helpers import PASSWORD, example_config
from tests.support.live_admin import LiveAdmin, live_admin

pytestmark = pytest.mark.browser
CONFIG = """
page: {{name: Example hosting, slug: default}}
components: [{{name: flexo}}]
monitors:
  - {{name: flexo website, key: flexo, kind: http, target: "{url}", component: flexo,
      interval: 1s, timeout: 1s, failure_threshold: 2, success_threshold: 1}}
  - {{name: backup, key: backup, kind: heartbeat, period: 1d, grace: 1h,
      token: backup-token-0123456789}}
"""


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    served = Target()
    served.start()
    yield served
    served.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, target: Target) -> Iterator[LiveAdmin]:
    folder = tmp_path_factory.mktemp("console-live")
    with live_admin(folder, example_config(CONFIG.format(url=target.url)), PASSWORD) as live:
        yield live


def open_dashboard(browser: Browser, server: LiveAdmin, state: StorageState) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 800}, storage_state=state)
    return page.new_page()


def state_of(page: Page, name: str) -> Locator:
    return page.locator("table.monitors tbody tr", has_text=name).locator("span.state")


def blocked_by_csp(page: Page) -> list[str]:
    seen: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            seen.append(message.text)

    page.on("console", keep)
    return seen


def test_a_row_turns_down_live_and_keeps_its_order(
    browser: Browser, server: LiveAdmin, signed_in: StorageState, target: Target
) -> None:
    page = open_dashboard(browser, server, signed_in)
    blocked = blocked_by_csp(page)
    page.goto(server.base_url + "/admin/?sort=status")
    expect(page.locator("#live-state")).to_have_attribute("data-live", "on")
    expect(page.locator("#live-state")).to_have_text("Live: rows update as monitors change.")
    # Its first check answering is itself a change the page is told of.
    expect(state_of(page, "flexo website")).to_have_text("up", timeout=20_000)
    first = page.locator("table.monitors tbody tr").first
    expect(first).to_contain_text("backup")  # unknown ranks above up
    page.evaluate("window.__stayed = true")  # gone if the page reloads

    went_down = time.monotonic()
    target.stop()
    # Two failed checks a second apart confirm it; the stream tells the page at once.
    expect(state_of(page, "flexo website")).to_have_text("down", timeout=10_000)
    took = time.monotonic() - went_down
    expect(first).to_contain_text("flexo website")  # worst first, without a reload
    assert page.evaluate("window.__stayed === true")
    expect(page).to_have_url(re.compile(r"/admin/\?sort=status"))
    expect(page.locator("table.monitors th[aria-sort=ascending]")).to_have_text("Status")
    page.screenshot(path=str(screenshot_path("console-live-down-desk")), full_page=True)
    assert took < 10, took
    assert blocked == []
    page.context.close()


def test_without_the_stream_the_rows_poll(
    browser: Browser, server: LiveAdmin, signed_in: StorageState, target: Target
) -> None:
    page = open_dashboard(browser, server, signed_in)
    page.route("**/admin/live", lambda route: route.abort())
    target.stop()  # already, after the test above; this one also runs alone
    page.goto(server.base_url + "/admin/")
    expect(state_of(page, "flexo website")).to_have_text("down", timeout=25_000)
    live = page.locator("#live-state")
    expect(live).to_have_attribute("data-live", "off")
    expect(live).to_contain_text("every 15 s")
    page.evaluate("window.__stayed = true")
    target.start()
    # One success brings it back; the next poll (every 15 s) shows it.
    expect(state_of(page, "flexo website")).to_have_text("up", timeout=25_000)
    assert page.evaluate("window.__stayed === true")
    page.screenshot(path=str(screenshot_path("console-live-polling-desk")), full_page=True)
    page.context.close()
