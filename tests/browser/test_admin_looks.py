"""The console as an operator sees it on a desk and on a phone, in light and dark: nothing
overflows the screen at 390 px, dark mode follows the system, `/admin` leads to the console,
and each view leaves a screenshot in artifacts/browser."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser, Page, StorageState, expect

from tests.browser.page_server import screenshot_path
from tests.support.admin_helpers import PASSWORD, example_config
from tests.support.live_admin import LiveAdmin, live_admin

pytestmark = pytest.mark.browser
SIZES = {"desk": (1280, 800), "phone": (390, 844)}
VIEWS = ("/admin/", "/admin/incidents", "/admin/audit")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveAdmin]:
    folder = tmp_path_factory.mktemp("looks")
    with live_admin(folder, example_config(), PASSWORD, totp_secret=pyotp.random_base32()) as live:
        yield live


def page_for(browser: Browser, signed_in: StorageState, size: str, scheme: str) -> Page:
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        color_scheme="dark" if scheme == "dark" else "light",
        storage_state=signed_in,
    )
    return context.new_page()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_console_fits_the_screen_in_both_schemes(
    browser: Browser, server: LiveAdmin, signed_in: StorageState, size: str, scheme: str
) -> None:
    page = page_for(browser, signed_in, size, scheme)
    for view in VIEWS:
        page.goto(server.base_url + view)
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{view} overflows by {overflow}px at {size}"
        name = f"admin-{view.strip('/').replace('/', '-')}-{size}-{scheme}"
        page.screenshot(path=str(screenshot_path(name)), full_page=True)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    dark = background == "rgb(18, 22, 28)"
    assert dark is (scheme == "dark"), background
    page.context.close()


def test_admin_without_a_slash_leads_to_the_console(browser: Browser, server: LiveAdmin) -> None:
    page = browser.new_page()
    page.goto(server.base_url + "/admin")
    assert page.url.startswith(server.base_url + "/admin/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    favicon = page.locator('link[rel="icon"]').get_attribute("href")
    assert favicon is not None
    assert page.request.get(server.base_url + favicon).status == 200
    page.close()
