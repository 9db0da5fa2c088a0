"""Statuspage's public v2 API, served on loopback from saved answers, mapped to hiccup.yaml
and incident history."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hiccup.importers.result import ImportFailure
from hiccup.importers.statuspage_fetch import base_of, fetch_statuspage, read_statuspage
from hiccup.importers.write import settle
from tests.importers.support import NOW, STATUSPAGE, statuspage_api


def test_the_api_maps_to_components_maintenance_and_incidents(tmp_path: Path) -> None:
    with statuspage_api() as url:
        result = fetch_statuspage(url, NOW)
    _, config = settle(result, tmp_path / "hiccup.yaml")
    assert (config.page.name, config.page.time_zone) == ("Nimbus Cloud", "America/Los_Angeles")
    assert config.page.url == "https://status.nimbus.example"
    tree = {c.slug: [m.slug for m in c.components] for c in config.components}
    assert tree == {"api": ["rest-api", "graphql-api"], "dashboard": [], "legacy-ftp": []}
    assert config.components[1].description == "The web console"
    (window,) = config.maintenance
    assert (window.name, window.components) == ("Dashboard database upgrade", ["dashboard"])
    assert window.duration == timedelta(hours=2)
    assert window.start.isoformat() == "2026-12-12T06:00:00+00:00"
    names = [i.name for i in result.incidents]
    assert names == ["Elevated GraphQL latency", "Dashboard login failures", "Delayed webhooks"]
    unmapped = [str(n) for n in result.unmapped]
    assert any("'REST API network work'" in u and "over already" in u for u in unmapped)
    assert any("'Legacy FTP'" in u for u in unmapped)


def test_incidents_keep_every_update_in_order_with_the_postmortem() -> None:
    with statuspage_api() as url:
        result = fetch_statuspage(url + "/api/v2/summary.json", NOW)
    past = next(i for i in result.incidents if i.name == "Dashboard login failures")
    assert past.impact == "major"
    assert past.components == ("dashboard",)
    assert past.started_at == "2026-11-02T09:05:00+00:00"
    assert past.resolved_at == "2026-11-02T10:45:00+00:00"
    assert [u.status for u in past.updates] == ["investigating", "monitoring", "resolved"]
    assert past.postmortem == "Root cause: an expired signing key."
    current = next(i for i in result.incidents if i.resolved_at is None)
    assert current.components == ("graphql-api",)
    assert [u.status for u in current.updates] == ["investigating", "identified"]


def test_a_saved_summary_holds_the_open_incidents_only(tmp_path: Path) -> None:
    result = read_statuspage(STATUSPAGE / "summary.json", NOW)
    settle(result, tmp_path / "hiccup.yaml")
    assert [i.name for i in result.incidents] == ["Elevated GraphQL latency"]
    assert len(result.config["maintenance"]) == 1


def test_an_unreachable_page_is_named() -> None:
    with statuspage_api() as url:
        pass  # stopped: nothing listens there any more
    with pytest.raises(ImportFailure, match=r"127\.0\.0\.1:\d+/api/v2/summary\.json: cannot fetch"):
        fetch_statuspage(url, NOW, timeout=5)


def test_an_error_answer_is_named() -> None:
    answers = {"/api/v2/incidents.json": (503, b"busy")}
    with (
        statuspage_api(answers) as url,
        pytest.raises(ImportFailure, match=r"/api/v2/incidents\.json: HTTP 503"),
    ):
        fetch_statuspage(url, NOW)


def test_an_answer_that_is_not_json_names_its_line() -> None:
    answers = {"/api/v2/summary.json": (200, b"<html>\n<body>")}
    with (
        statuspage_api(answers) as url,
        pytest.raises(ImportFailure, match=r"summary\.json:1:1: not JSON"),
    ):
        fetch_statuspage(url, NOW)


def test_a_file_that_is_no_summary_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    path.write_text((STATUSPAGE / "incidents.json").read_text())
    with pytest.raises(ImportFailure, match=r"incidents\.json: no `page` and `components`"):
        read_statuspage(path, NOW)


@pytest.mark.parametrize(
    "url",
    [
        "https://status.example.com",
        "https://status.example.com/",
        "https://status.example.com/api/v2/summary.json",
        "https://status.example.com/api/v2/incidents.json?page=2",
    ],
)
def test_any_of_the_pages_addresses_finds_its_api(url: str) -> None:
    assert base_of(url) == "https://status.example.com"
