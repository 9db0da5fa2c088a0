"""In a real browser, at 1280, 390 and 360 px, light and dark: the banner while no channel is
on, an email channel made with its form, "Send test" through a real SMTP server with the
answer and the delivery log, then subscribers searched by address and exported as CSV; and a
CSV import with good and bad lines: each bad line named, the good ones listed. On every view
the CSP blocks nothing, nothing is wider than the screen and every text is readable.
Screenshots in artifacts/browser (admin-channel-*, admin-subscribers-*)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, StorageState, expect

from tests.browser.looks import Watched, looks_right
from tests.browser.page_server import screenshot_path
from tests.support.admin_helpers import CONFIG, PASSWORD, example_config
from tests.support.live_admin import LiveAdmin, live_admin
from tests.support.notify_helpers import SmtpSink, smtp_config

pytestmark = pytest.mark.browser
SIZES = {"1280": (1280, 800), "390": (390, 844), "360": (360, 740)}


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    server = SmtpSink()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpSink) -> Iterator[LiveAdmin]:
    config = example_config(CONFIG + "notifications:\n" + smtp_config(smtp.port))
    folder = tmp_path_factory.mktemp("channels")
    with live_admin(folder, config, PASSWORD) as live:
        import_subscribers(live)
        yield live


def open_page(browser: Browser, state: StorageState, size: str, scheme: str) -> Watched:
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        color_scheme="dark" if scheme == "dark" else "light",
        storage_state=state,
    )
    return Watched(context.new_page())


def shot(watched: Watched, name: str) -> None:
    looks_right(watched, name)
    watched.page.screenshot(path=str(screenshot_path(name)), full_page=True)


def import_subscribers(server: LiveAdmin) -> None:
    lines = "address,components\nbender@example.com,flexo\namy@example.com,\nfry@example.com,\n"
    answer = httpx.post(
        server.base_url + "/api/v1/subscribers/import",
        json={"csv": lines, "opted_in": True},
        headers={"authorization": f"Bearer {server.owner_token}"},
    )
    assert answer.json()["added"] == 3


def make_channel_and_test(watched: Watched, name: str, key: str) -> None:
    page = watched.page
    page.goto(page.url.split("/admin")[0] + "/admin/channels")
    page.get_by_role("link", name="email", exact=True).click()
    page.get_by_label("Key").fill(key)
    page.get_by_label("To").fill(f"{key}@example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=f"Channel {key}")).to_be_visible()
    page.get_by_role("button", name="Send test").click()
    expect(page.get_by_text("Test alert delivered")).to_be_visible()
    expect(page.locator("td.delivery-delivered").first).to_be_visible()
    shot(watched, f"admin-channel-test-{name}")


def search_and_export(watched: Watched, name: str, saved: Path) -> str:
    page = watched.page
    page.get_by_role("link", name="Subscribers").click()
    page.get_by_label("Address").fill("bender")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("bender@example.com")).to_be_visible()
    expect(page.get_by_text("fry@example.com")).to_have_count(0)
    shot(watched, f"admin-subscribers-{name}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    download.value.save_as(saved)
    return saved.read_text()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_channel_test_and_subscriber_export_at_three_widths(
    browser: Browser,
    server: LiveAdmin,
    signed_in: StorageState,
    smtp: SmtpSink,
    tmp_path: Path,
    scheme: str,
) -> None:
    for size in SIZES:
        name = f"{size}-{scheme}"
        watched = open_page(browser, signed_in, size, scheme)
        page = watched.page
        page.goto(server.base_url + "/admin/")
        expect(page.get_by_role("heading", name="Monitors")).to_be_visible()
        dark = page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(18, 22, 28)"
        assert dark is (scheme == "dark")
        if size == "1280" and scheme == "light":  # before the first channel exists
            expect(page.get_by_text("No alert channel is on")).to_be_visible()
            shot(watched, "admin-channel-banner-1280")
        page.get_by_role("link", name="Channels").click()
        expect(page.get_by_role("heading", name="Alert channels")).to_be_visible()
        shot(watched, f"admin-channels-{name}")
        make_channel_and_test(watched, name, f"ops-{size}-{scheme}")
        assert len(smtp.to(f"ops-{size}-{scheme}@example.com")) == 1

        exported = search_and_export(watched, name, tmp_path / f"subscribers-{name}.csv")
        assert exported.startswith("address,kind,components,status")
        assert "bender@example.com,email,flexo,active" in exported
        page.context.close()


@pytest.mark.parametrize(("size", "scheme"), [("1280", "light"), ("360", "dark")])
def test_a_csv_import_names_each_bad_line_and_lists_the_good_ones(
    browser: Browser, server: LiveAdmin, signed_in: StorageState, size: str, scheme: str
) -> None:
    watched = open_page(browser, signed_in, size, scheme)
    page = watched.page
    page.goto(server.base_url + "/admin/subscribers")
    lines = (
        "address,components\n"
        f"hermes-{size}@example.com,flexo\n"
        "hermes at example dot com,\n"
        f"zoidberg-{size}@example.com,zapp\n"
        f"scruffy-{size}@example.com,\n"
    )
    csv_file = FilePayload(name="moved.csv", mimeType="text/csv", buffer=lines.encode())
    page.get_by_label("CSV file").set_input_files(csv_file)
    page.get_by_role("button", name="Import").click()
    # The page may carry a second alert, the "no alert channel is on" banner, depending on
    # what the module's other tests left: the import's own is the one that says so.
    problems = page.get_by_role("alert").filter(has_text="not imported")
    expect(problems).to_contain_text("2 lines not imported.")
    expect(problems.locator("li").nth(0)).to_contain_text("line 3: ")
    expect(problems.locator("li").nth(1)).to_have_text("line 4: no component zapp")
    expect(page.get_by_role("status")).to_have_text(
        "Imported: 2 added, 0 already there, 2 confirmation mails."
    )
    listed = page.locator("table.subscribers")
    expect(listed.get_by_role("cell", name=f"hermes-{size}@example.com")).to_be_visible()
    expect(listed.get_by_role("cell", name=f"scruffy-{size}@example.com")).to_be_visible()
    expect(listed.get_by_text(f"zoidberg-{size}@example.com")).to_have_count(0)
    shot(watched, f"admin-subscribers-import-{size}-{scheme}")
    page.context.close()
