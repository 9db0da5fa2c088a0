"""In a real browser: signed in with password and TOTP, open an incident on amy, flexo and leela,
post two updates, resolve it, publish a postmortem, and see each step on the public page."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser, Page, StorageState, expect

from tests.support.admin_helpers import PASSWORD, example_config
from tests.support.live_admin import LiveAdmin, live_admin

pytestmark = pytest.mark.browser
TITLE = "We are investigating 503s on amy, flexo and leela"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveAdmin]:
    secret = pyotp.random_base32()
    folder = tmp_path_factory.mktemp("incident")
    with live_admin(folder, example_config(), PASSWORD, totp_secret=secret) as live:
        yield live


def public_shows(page: Page, base: str, text: str, timeout: float = 15.0, path: str = "/") -> None:
    """The public snapshot is rebuilt shortly after a change (debounced): reload until the
    text is there, within a generous bound (a new incident's own page is a 404 until then)."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(base + path)
        if text in page.content() or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    expect(page.get_by_text(text).first).to_be_visible()


def post_update(page: Page, status: str, message: str) -> None:
    page.get_by_label("Status").select_option(status)
    page.get_by_label("Message (Markdown)").fill(message)
    page.get_by_role("button", name="Post update").click()
    expect(page.get_by_text(message)).to_be_visible()


def test_an_operator_runs_an_incident_seen_on_the_public_page(
    browser: Browser, server: LiveAdmin, signed_in: StorageState
) -> None:
    # Signed in with password and TOTP (tests/browser/conftest.py).
    admin = browser.new_context(storage_state=signed_in).new_page()
    public = browser.new_page()
    admin.goto(server.base_url + "/admin/")
    admin.get_by_role("link", name="Incidents").click()
    admin.get_by_role("link", name="Open an incident").click()
    admin.get_by_label("Title").fill(TITLE)
    for name in ("amy", "flexo", "leela"):
        admin.get_by_label(name, exact=True).select_option("partial_outage")
    admin.get_by_label("Impact").select_option("major")
    admin.get_by_label("Message (Markdown)").fill("Sites on these servers answer **503**.")
    admin.get_by_role("button", name="Open incident").click()
    expect(admin.get_by_role("heading", name=TITLE)).to_be_visible()
    public_shows(public, server.base_url, TITLE)
    public_shows(public, server.base_url, "Partial outage")

    post_update(admin, "identified", "A cache purge emptied every cache at once.")
    public_shows(public, server.base_url, "A cache purge emptied every cache at once.")
    post_update(admin, "monitoring", "Caches are warm again; we are watching.")
    public_shows(public, server.base_url, "Caches are warm again; we are watching.")
    post_update(admin, "resolved", "All sites answer normally again.")
    public_shows(public, server.base_url, "All sites answer normally again.")

    admin.get_by_label("Postmortem (Markdown; published on the public page)").fill(
        "## What happened\n\nA purge of **all** caches at once overloaded the backends."
    )
    # The preview is the public page's own rendering, sanitized, fetched as you type.
    expect(admin.locator("#preview strong", has_text="all")).to_be_visible()
    admin.get_by_role("button", name="Publish postmortem").click()
    public_shows(public, server.base_url, "overloaded the backends")
    admin.context.close()
    public.close()
