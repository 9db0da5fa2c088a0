"""In a real browser, as an operator, at 1280 and 390 px: the monitor form by kind with
"Check now", an incident opened from a template and followed to the public page, TOTP
enrolment with its QR code and recovery codes, and the API reference at /api/v1/docs with no
CSP violation. Each view leaves a screenshot in artifacts/browser."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser, Page, StorageState, expect

from tests.browser.looks import Watched
from tests.browser.page_server import screenshot_path
from tests.browser.test_admin_incident import public_shows
from tests.support.admin_helpers import PASSWORD, example_config
from tests.support.live_admin import LiveAdmin, live_admin

pytestmark = pytest.mark.browser
SIZES = {"desk": (1280, 800), "phone": (390, 844)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveAdmin]:
    folder = tmp_path_factory.mktemp("operator")
    with live_admin(folder, example_config(), PASSWORD, totp_secret=pyotp.random_base32()) as live:
        yield live


def open_page(browser: Browser, size: str, state: StorageState | None = None) -> Watched:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, storage_state=state)
    return Watched(context.new_page())


def fits(page: Page, what: str, size: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{what} overflows by {overflow}px at {size}"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(screenshot_path(name)), full_page=True)


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_api_reference_renders_under_the_csp(
    browser: Browser, server: LiveAdmin, size: str
) -> None:
    watched = open_page(browser, size)
    page = watched.page
    answer = page.goto(server.base_url + "/api/v1/docs")
    assert answer is not None
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    operations = page.locator("#operations li.operation")
    expect(operations.first).to_be_visible()
    assert operations.count() > 20
    first = page.locator("li.operation summary", has_text="/api/v1/monitors").first
    first.click()
    expect(
        page.locator("li.operation details[open] h3", has_text="Responses").first
    ).to_be_visible()
    fits(page, "/api/v1/docs", size)
    shot(page, f"api-docs-{size}")
    assert watched.violations() == []
    page.context.close()


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_monitor_form_by_kind_and_check_now(
    browser: Browser, server: LiveAdmin, signed_in: StorageState, size: str
) -> None:
    watched = open_page(browser, size, signed_in)
    page = watched.page
    page.goto(server.base_url + "/admin/monitors/new")
    expect(page.locator("#options-http")).to_be_visible()
    expect(page.locator("#options-dns")).to_be_hidden()
    page.get_by_label("Kind").select_option("heartbeat")
    expect(page.locator("#options-heartbeat")).to_be_visible()
    expect(page.locator("#options-http")).to_be_hidden()
    zone = page.locator("#f-options-heartbeat-time_zone")
    zone.select_option("Europe/Berlin")
    shot(page, f"admin-monitor-form-heartbeat-{size}")
    page.get_by_label("Kind").select_option("http")
    page.get_by_label("Name", exact=True).fill(f"hiccup itself ({size})")
    page.get_by_label("Target").fill(server.base_url + "/healthz")
    page.get_by_label("Interval", exact=True).fill("1m")
    page.locator("#f-options-http-expected_status").fill("200")
    page.locator("#f-options-http-keyword").fill("ok")
    page.get_by_role("button", name="Check now").click()
    expect(page.get_by_role("heading", name="Check now: up")).to_be_visible()
    expect(page.locator("svg.phases rect.phase-first_byte")).to_be_visible()
    # The form came back as typed; the kind's options still show.
    expect(page.locator("#f-options-http-keyword")).to_have_value("ok")
    fits(page, "the monitor form", size)
    shot(page, f"admin-monitor-check-now-{size}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name=f"hiccup itself ({size})")).to_be_visible()
    assert watched.violations() == []
    page.context.close()


def test_an_incident_from_a_template_in_under_a_minute(
    browser: Browser, server: LiveAdmin, signed_in: StorageState
) -> None:
    watched = open_page(browser, "desk", signed_in)
    page = watched.page
    page.goto(server.base_url + "/admin/templates/new")
    page.get_by_label("Template name").fill("cache purge")
    page.get_by_label("Incident title").fill("503s after a cache purge")
    page.get_by_label("First message (Markdown)").fill("Some sites answer **503**.")
    page.get_by_label("Impact").select_option("major")
    page.get_by_label("First status").select_option("identified")
    page.get_by_label("flexo", exact=True).select_option("partial_outage")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Incident templates")).to_be_visible()

    page.goto(server.base_url + "/admin/incidents/new")
    page.get_by_role("link", name="cache purge").click()
    expect(page.get_by_label("Title")).to_have_value("503s after a cache purge")
    expect(page.get_by_label("flexo", exact=True)).to_have_value("partial_outage")
    expect(page.get_by_label("Status", exact=True)).to_have_value("identified")
    expect(page.locator("fieldset.component-group legend").first).to_be_visible()
    shot(page, "admin-incident-from-template-desk")
    page.get_by_role("button", name="Open incident").click()
    expect(page.get_by_role("heading", name="503s after a cache purge")).to_be_visible()
    # The update form proposes the next step.
    expect(page.get_by_label("Status", exact=True)).to_have_value("monitoring")
    shot(page, "admin-incident-next-step-desk")
    incident_url = page.url
    link = page.get_by_role("link", name="View on public page").get_attribute("href") or ""
    public_shows(page, server.base_url, "503s after a cache purge", path=link)

    page.goto(incident_url)
    page.get_by_label("Status", exact=True).select_option("resolved")
    page.get_by_label("Message (Markdown)").fill("Caches are warm again.")
    page.get_by_role("button", name="Post update").click()
    expect(page.locator("#affects")).to_contain_text("was partial outage")
    public = browser.new_page()
    public_shows(public, server.base_url, "Caches are warm again.")
    expect(public.get_by_text("Partial outage")).to_have_count(0)
    public.close()
    for size in SIZES:
        narrow = open_page(browser, size, signed_in)
        narrow.page.goto(incident_url)
        fits(narrow.page, "the incident page", size)
        shot(narrow.page, f"admin-incident-resolved-{size}")
        narrow.page.goto(server.base_url + "/admin/incidents/new")
        fits(narrow.page, "the new incident form", size)
        shot(narrow.page, f"admin-incident-new-{size}")
        assert narrow.violations() == []
        narrow.page.context.close()
    assert watched.violations() == []
    page.context.close()


def test_totp_enrolment_shows_a_qr_code_and_recovery_codes(
    browser: Browser, server: LiveAdmin, signed_in: StorageState
) -> None:
    owner = open_page(browser, "desk", signed_in).page
    owner.goto(server.base_url + "/admin/users/new")
    owner.get_by_label("Name").fill("fry")
    owner.get_by_label("Role").select_option("editor")
    owner.get_by_label("Password").fill(PASSWORD)
    owner.get_by_role("button", name="Save").click()
    owner.context.close()
    for size in SIZES:
        watched = open_page(browser, size)
        page = watched.page
        page.goto(server.base_url + "/admin/login")
        page.get_by_label("Name").fill("fry")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        if size == "desk":
            page.goto(server.base_url + "/admin/account")
            page.get_by_role("button", name="Set up TOTP").click()
            qr = page.locator("#totp-qr svg")
            expect(qr).to_be_visible()
            box = qr.bounding_box()
            assert box is not None
            assert box["width"] > 100
            secret = page.locator("#totp-secret").inner_text()
            shot(page, f"admin-totp-qr-{size}")
            fits(page, "the enrolment", size)
            page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
            page.get_by_role("button", name="Confirm").click()
            codes = page.locator("#recovery-codes code")
            expect(codes).to_have_count(10)
            first = codes.first.inner_text()
            assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", first)
            shot(page, f"admin-recovery-codes-{size}")
        else:
            # The phone was lost: a recovery code takes the place of the app's code.
            page.get_by_label("Code from your authenticator app").fill(first)
            page.get_by_role("button", name="Verify").click()
            expect(page.get_by_role("heading", name="Monitors")).to_be_visible()
            page.goto(server.base_url + "/admin/account")
            expect(page.locator("#codes-left")).to_contain_text("9 unused recovery codes")
            fits(page, "the account page", size)
            shot(page, f"admin-account-{size}")
        assert watched.violations() == []
        page.context.close()


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_new_pages_in_dark_mode_fit_the_screen(
    browser: Browser, server: LiveAdmin, signed_in: StorageState, size: str
) -> None:
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, color_scheme="dark", storage_state=signed_in
    )
    watched = Watched(context.new_page())
    page = watched.page
    views = {
        "monitor-form": "/admin/monitors/new",
        "template-form": "/admin/templates/new",
        "account": "/admin/account",
        "api-docs": "/api/v1/docs",
    }
    for name, path in views.items():
        page.goto(server.base_url + path)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(18, 22, 28)", f"{path} is not dark: {background}"
        fits(page, path, size)
        shot(page, f"{name}-{size}-dark")
    assert watched.violations() == []
    context.close()
