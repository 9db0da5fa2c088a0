"""While its database is stopped, a real server answers writes with 503 and Retry-After in the
shape each caller reads (the API's JSON error, an admin page), keeps serving the public page,
and loses nothing it acknowledged before."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.support.admin_helpers import PASSWORD, login_csrf, session_csrf
from tests.support.outage_helpers import serve_on_postgres

pytestmark = pytest.mark.postgres

INCIDENT = {
    "name": "Flexo unreachable",
    "impact": "major",
    "status": "investigating",
    "message": "Flexo does not answer.",
    "components": [],
    "notify": False,
}


def wait_for_database(client: httpx.Client, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while client.get("/incidents").status_code != 200:
        assert time.monotonic() < deadline, "the API did not come back with the database"
        time.sleep(0.2)


def log_in(browser: httpx.Client) -> None:
    form = login_csrf(browser.get("/admin/login").text)
    data = {"name": "olga", "password": PASSWORD, "login_csrf": form}
    assert browser.post("/admin/login", data=data).status_code == 303


def test_writes_answer_503_with_retry_after_while_the_database_is_stopped(
    tmp_path: Path,
) -> None:
    with serve_on_postgres(tmp_path) as served:
        headers = {"authorization": f"Bearer {served.token}"}
        with (
            httpx.Client(base_url=served.base + "/api/v1", headers=headers, timeout=30) as api,
            httpx.Client(base_url=served.base, timeout=30) as browser,
        ):
            log_in(browser)
            acknowledged = api.post("/incidents", json=INCIDENT)
            assert acknowledged.status_code == 201
            csrf = session_csrf(browser.get("/admin/incidents/new").text)
            served.database.stop()

            refused = api.post("/incidents", json={**INCIDENT, "name": "Never stored"})
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "10"
            assert refused.json()["error"]["code"] == "database_unavailable"
            assert set(refused.json()["error"]) == {"code", "message", "fields"}
            form = {"csrf_token": csrf, "name": "Never stored either", "message": "x"}
            page = browser.post("/admin/incidents/new", data=form)
            assert page.status_code == 503
            assert page.headers["retry-after"] == "10"
            assert "text/html" in page.headers["content-type"]
            assert "database is unavailable" in page.text
            assert browser.get("/").status_code == 200, "the page is served all along"

            served.database.start()
            wait_for_database(api)
            kept = api.get(f"/incidents/{acknowledged.json()['id']}")
            assert kept.status_code == 200
            assert kept.json()["name"] == "Flexo unreachable"
            listed = api.get("/incidents", params={"state": "all"}).json()["items"]
            assert [i["name"] for i in listed] == ["Flexo unreachable"]
