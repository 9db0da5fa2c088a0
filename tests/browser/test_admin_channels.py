"""In a real browser, at 1280 and 390 px: the banner while no channel is on, an email channel
made with its form, "Send test" through a real SMTP server with the answer and the delivery
log, then subscribers searched by address and exported as CSV. Screenshots in
artifacts/browser (admin-channel-*, admin-subscribers-*)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.page_server import screenshot_path
from tests.support.admin_helpers import CONFIG, PASSWORD, example_config
from tests.support.live_admin import LiveAdmin, live_admin
from tests.support.notify_helpers import SmtpSink, smtp_config

pytestmark = pytest.mark.browser
SIZES = {"1280": (1280, 800), "390": (390, 844)}


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    server = SmtpSink()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(tmp_path: Path, smtp: SmtpSink) -> Iterator[LiveAdmin]:
    config = example_config(CONFIG + "notifications:\n" + smtp_config(smtp.port))
    with live_admin(tmp_path, config, PASSWORD) as live:
        yield live


def log_in(page: Page, server: LiveAdmin) -> None:
    page.goto(server.base_url + "/admin/")
    page.get_by_label("Name").fill(server.owner_name)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Monitors")).to_be_visible()


def shot(page: Page, name: str) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"{name}: the page is {overflow} px wide on a {width} px screen"
    page.screenshot(path=str(screenshot_path(name)), full_page=True)


def import_subscribers(server: LiveAdmin) -> None:
    lines = "address,components\nbender@example.com,flexo\namy@example.com,\nfry@example.com,\n"
    answer = httpx.post(
        server.base_url + "/api/v1/subscribers/import",
        json={"csv": lines, "opted_in": True},
        headers={"authorization": f"Bearer {server.owner_token}"},
    )
    assert answer.json()["added"] == 3


def make_channel_and_test(page: Page, size: str, key: str) -> None:
    page.goto(page.url.split("/admin")[0] + "/admin/channels")
    page.get_by_role("link", name="email", exact=True).click()
    page.get_by_label("Key").fill(key)
    page.get_by_label("To").fill(f"{key}@example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=f"Channel {key}")).to_be_visible()
    page.get_by_role("button", name="Send test").click()
    expect(page.get_by_text("Test alert delivered")).to_be_visible()
    expect(page.locator("td.delivery-delivered").first).to_be_visible()
    shot(page, f"admin-channel-test-{size}")


def test_channel_test_and_subscriber_export_at_two_widths(
    browser: Browser, server: LiveAdmin, smtp: SmtpSink, tmp_path: Path
) -> None:
    import_subscribers(server)
    for size, (width, height) in SIZES.items():
        page = browser.new_page(viewport={"width": width, "height": height})
        log_in(page, server)
        if size == "1280":
            expect(page.get_by_text("No alert channel is on")).to_be_visible()
            shot(page, "admin-channel-banner-1280")
        page.get_by_role("link", name="Channels").click()
        expect(page.get_by_role("heading", name="Alert channels")).to_be_visible()
        shot(page, f"admin-channels-{size}")
        make_channel_and_test(page, size, f"ops-{size}")
        assert len(smtp.to(f"ops-{size}@example.com")) == 1

        page.get_by_role("link", name="Subscribers").click()
        page.get_by_label("Address").fill("bender")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_text("bender@example.com")).to_be_visible()
        expect(page.get_by_text("fry@example.com")).to_have_count(0)
        shot(page, f"admin-subscribers-{size}")
        with page.expect_download() as download:
            page.get_by_role("link", name="Export CSV").click()
        saved = tmp_path / f"subscribers-{size}.csv"
        download.value.save_as(saved)
        exported = saved.read_text()
        assert exported.startswith("address,kind,components,status")
        assert "bender@example.com,email,flexo,active" in exported
        page.close()
