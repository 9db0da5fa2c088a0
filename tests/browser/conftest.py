"""A headless Debian chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, StorageState, expect, sync_playwright

from tests.support.live_admin import LiveAdmin

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Per module, not per session: Playwright's sync API keeps an event loop running while it is
# open, and the asyncio tests collected after the browser tests could not start theirs.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed (scripts/system-deps installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI a missing browser is a broken setup, not a skip
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def signed_in(browser: Browser, server: LiveAdmin) -> Iterator[StorageState]:
    """The owner of the module's `server`, signed in through the login form (and the TOTP
    step when the server's owner has one): pages opened with this storage state are in.

    Once per module: a TOTP code is accepted once, so the module's pages share the cookies.
    Every admin browser test signs in through here."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.base_url + "/admin/")
    page.get_by_label("Name").fill(server.owner_name)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Log in").click()
    if server.totp_secret is not None:
        code = pyotp.TOTP(server.totp_secret).now()
        page.get_by_label("Code from your authenticator app").fill(code)
        page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Monitors")).to_be_visible()
    yield context.storage_state()
    context.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # The page's browser tests leave screenshots for a person to look at.
    from tests.browser.page_server import ARTIFACTS

    if ARTIFACTS.is_dir():
        terminalreporter.write_line(f"browser screenshots: {ARTIFACTS}")
