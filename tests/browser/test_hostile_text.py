"""Operator text that tries to run script stays text in a real browser: no dialog fires, no
injected element exists, no javascript: link, on the page, an incident page and the history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from playwright.sync_api import Browser, Dialog

from hiccup.snapshot.builder import SnapshotHolder, render_snapshot
from hiccup.web.public.serve import PublicServer
from tests.browser.page_server import screenshot_path, serve_in_thread
from tests.support.public_fixtures import PAGE, api_incident, component, days, ddos_incident
from tests.support.site_fixtures import site_state

pytestmark = pytest.mark.browser

HOSTILE = [
    "<script>alert('title')</script>",
    '"><img src=x onerror=alert("img")>',
    "<svg onload=alert('svg')>",
    "[click me](javascript:alert('link'))",
    '<a href="javascript:alert(1)">x</a><iframe src="javascript:alert(2)"></iframe>',
]


def hostile_holder() -> SnapshotHolder:
    text = " ".join(HOSTILE)
    incident = api_incident()
    updates = tuple(replace(u, body=text) for u in incident.updates)
    open_one = replace(incident, name=HOSTILE[0], updates=updates)
    past = replace(ddos_incident(), name=HOSTILE[1], postmortem=text)
    comps = (
        component("api", HOSTILE[2], 1, history=days([0.5, 1.0])),
        component("flexo", HOSTILE[1], 2, history=days([1.0, 0.9])),
    )
    state = site_state(
        page=replace(PAGE, name=HOSTILE[2]),
        components=comps,
        open_incidents=(open_one,),
        recent_incidents=(past,),
    )
    holder = SnapshotHolder()
    holder.publish(render_snapshot(state))
    return holder


@pytest.fixture
def base() -> Iterator[str]:
    with serve_in_thread(PublicServer(hostile_holder())) as url:
        yield url


INJECTED = """() => ({
  scripts: [...document.scripts].map(s => s.src),
  images: document.querySelectorAll('img').length,
  svgs: document.querySelectorAll('svg').length,
  frames: document.querySelectorAll('iframe').length,
  handlers: [...document.querySelectorAll('*')].filter(
      e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
  jsLinks: [...document.querySelectorAll('a')].filter(
      a => a.href.trim().toLowerCase().startsWith('javascript:')).length,
})"""


@pytest.mark.parametrize("path", ["/", "/incidents/inc1", "/incidents/inc0", "/history"])
def test_hostile_operator_text_never_runs(browser: Browser, base: str, path: str) -> None:
    page = browser.new_page()
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    for day in page.locator("li.day").all()[:4]:
        day.hover()
    for link in page.locator("main a").all():
        link.hover()
    found = page.evaluate(INJECTED)
    assert found["scripts"] == [base + "/static/live.js"]
    assert (found["images"], found["svgs"], found["frames"]) == (0, 0, 0)
    assert found["handlers"] == 0
    assert found["jsLinks"] == 0
    assert dialogs == []
    page.get_by_text("<script>alert('title')</script>").first.wait_for()  # shown as text
    name = path.strip("/").replace("/", "-") or "front"
    page.screenshot(path=screenshot_path(f"hostile-{name}"), full_page=True)
    page.close()
