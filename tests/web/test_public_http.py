"""The public routes as a client sees them: snapshot bytes, ETag, 304, gzip, headers, 404."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hiccup.snapshot.builder import SnapshotHolder, render_snapshot
from hiccup.web.app import create_app
from tests.support.public_fixtures import make_state

PUBLIC_PATHS = [
    "/",
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    holder = SnapshotHolder()
    holder.current = render_snapshot(make_state())
    transport = httpx.ASGITransport(app=create_app(holder))
    async with httpx.AsyncClient(transport=transport, base_url="http://hiccup.test") as made:
        yield made


@pytest.mark.parametrize("path", PUBLIC_PATHS)
async def test_every_public_path_answers_with_an_etag_and_security_headers(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path, headers={"accept-encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["etag"].startswith('"')
    assert "max-age" in response.headers["cache-control"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]


@pytest.mark.parametrize("path", PUBLIC_PATHS)
async def test_a_matching_if_none_match_answers_304(client: httpx.AsyncClient, path: str) -> None:
    etag = (await client.get(path)).headers["etag"]
    again = await client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    weak = await client.get(path, headers={"if-none-match": f'"other", W/{etag}'})
    assert weak.status_code == 304


@pytest.mark.parametrize("header", ["", "garbage", '"', "W/", ",,,", "\u00e9t\u00e9"])
async def test_a_malformed_if_none_match_never_errors(
    client: httpx.AsyncClient, header: str
) -> None:
    response = await client.get("/", headers=[(b"if-none-match", header.encode("utf-8"))])
    assert response.status_code == 200


async def test_gzip_is_served_to_clients_that_accept_it(client: httpx.AsyncClient) -> None:
    raw = await client.get("/api/v2/summary.json", headers={"accept-encoding": "identity"})
    packed = await client.get("/api/v2/summary.json", headers={"accept-encoding": "gzip, br"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "accept-encoding"
    assert packed.json() == raw.json()  # httpx decodes the gzip body


async def test_json_is_readable_cross_origin(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v2/status.json")
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.json()["status"]["indicator"] in {
        "none",
        "minor",
        "major",
        "critical",
        "maintenance",
    }


@pytest.mark.parametrize("path", ["/nope", "/api/v2/nope.json", "/../etc/passwd", "/?x=%ff%fe&&=="])
async def test_unknown_paths_are_a_plain_404_page(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    if path.startswith("/?"):
        assert response.status_code == 200  # a query string on a known path is ignored
        return
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


async def test_health_reports_ready_once_a_snapshot_exists(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.json() == {"status": "ok"}


async def test_before_the_first_snapshot_the_page_says_it_is_starting() -> None:
    transport = httpx.ASGITransport(app=create_app(SnapshotHolder()))
    async with httpx.AsyncClient(transport=transport, base_url="http://hiccup.test") as client:
        assert (await client.get("/")).status_code == 503
        assert (await client.get("/healthz")).status_code == 503
