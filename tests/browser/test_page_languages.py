"""A page that offers German beside English, read by Debian's chromium set to German: the page
comes in German, the hovered local time says so in German, and a live outage is swapped in
German too (the script's refetch carries the browser's Accept-Language)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.page_server import (
    Target,
    live_page,
    screenshot_path,
    wait_until_answered,
)

pytestmark = pytest.mark.browser

CONFIG = """\
page: {{name: Flexo Hosting, publish_after: 0s, languages: [de]}}
components:
  - {{name: flexo, key: flexo}}
  - {{name: amy, key: amy}}
monitors:
  - {{name: flexo, kind: http, target: "{url}", component: flexo, interval: 1s, timeout: 1s,
      failure_threshold: 2, success_threshold: 1}}
"""


@dataclass
class Live:
    base: str
    target: Target
    database: Path


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with live_page(tmp_path, CONFIG) as (base, target):
        yield Live(base, target, tmp_path / "hiccup.db")


def test_a_german_browser_reads_the_page_and_its_live_updates_in_german(
    browser: Browser, live: Live
) -> None:
    page = browser.new_context(locale="de-DE").new_page()
    page.goto(live.base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator(".banner")).to_contain_text("Alle Systeme betriebsbereit")
    title = page.locator("footer time").get_attribute("title") or ""
    assert title.startswith("Ihre Zeit: ")
    wait_until_answered(live.database)
    live.target.stop()
    expect(page.locator(".banner")).to_contain_text("flexo ist ausgefallen", timeout=30_000)
    expect(page.locator(".component").first).to_contain_text("Ausfall")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    page.screenshot(path=screenshot_path("german-outage-live"), full_page=True)
    page.context.close()

    english = browser.new_context(locale="en-US").new_page()
    english.goto(live.base + "/")
    expect(english.locator(".banner")).to_contain_text("flexo is down")
    english.context.close()
