"""A headless Debian chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # The page's browser tests leave screenshots for a person to look at.
    from tests.browser.page_server import ARTIFACTS

    if ARTIFACTS.is_dir():
        terminalreporter.write_line(f"browser screenshots: {ARTIFACTS}")
