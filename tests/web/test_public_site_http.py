"""The site as a client sees it through the front server: content types, 304s, HEAD, hosts,
and private pages that ask for a password or refuse."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest

from hiccup.auth.page_access import Guard, networks
from hiccup.snapshot.builder import SnapshotHolder
from hiccup.snapshot.look import PageLook
from hiccup.snapshot.site import Site, SitePage
from hiccup.snapshot.site_render import render_site
from hiccup.web.app import create_app
from hiccup.web.public.serve import PublicServer
from tests.support.public_fixtures import NOW
from tests.support.site_fixtures import site_state

TYPES = {
    "/": "text/html",
    "/history": "text/html",
    "/incidents/inc1": "text/html",
    "/maintenance/mw-next": "text/html",
    "/history.atom": "application/atom+xml",
    "/history.rss": "application/rss+xml",
    "/maintenance.ics": "text/calendar",
    "/badge/status.svg": "image/svg+xml",
    "/badge/uptime-30d.svg": "image/svg+xml",
    "/badge/amy/response-time.svg": "image/svg+xml",
    "/badge/status.json": "application/json",
    "/embed": "text/html",
    "/widget.js": "text/javascript",
    "/static/live.js": "text/javascript",
}


def holder_for_site() -> SnapshotHolder:
    state = site_state()
    guard = Guard("ops", "letmein", networks(["10.9.0.0/16"]))
    site = Site(
        (
            SitePage(state.page.slug, default=True),
            SitePage("ops", PageLook(prefix="/p/ops"), ("api",), name="Ops", guard=guard),
            SitePage("mail", PageLook(prefix="/p/mail"), ("flexo",), hosts=("mail.example",)),
        )
    )
    holder = SnapshotHolder()
    holder.publish(render_site({p.slug: state for p in site.pages}, site, NOW))
    return holder


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    holder = holder_for_site()
    app = PublicServer(holder, create_app(holder))
    transport = httpx.ASGITransport(app=app, client=("192.0.2.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://status.test") as made:
        yield made


@pytest.mark.parametrize(("path", "kind"), TYPES.items())
async def test_every_document_has_its_type_etag_and_304(
    client: httpx.AsyncClient, path: str, kind: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(kind)
    assert response.headers["x-content-type-options"] == "nosniff"
    again = await client.get(path, headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304


async def test_head_answers_headers_without_a_body(client: httpx.AsyncClient) -> None:
    response = await client.head("/api/v2/summary.json")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) > 100


async def test_a_trailing_slash_finds_the_page_too(client: httpx.AsyncClient) -> None:
    assert (await client.get("/history/")).status_code == 200
    assert (await client.get("/p/mail")).status_code == 200


@pytest.mark.parametrize("query", ["?x=%ff%fe&&==", "?page=-1", "?" + "a" * 5000])
async def test_a_query_string_never_errors(client: httpx.AsyncClient, query: str) -> None:
    assert (await client.get("/badge/status.svg" + query)).status_code == 200


async def test_a_host_with_its_own_page_gets_it_at_the_root(client: httpx.AsyncClient) -> None:
    own = await client.get("/", headers={"host": "Mail.Example:8080"})
    assert "API unresponsive" not in own.text
    assert 'href="/incidents/inc0"' in own.text
    other = await client.get("/", headers={"host": "elsewhere.example"})
    assert "API unresponsive" in other.text


async def test_a_private_page_asks_for_its_password(client: httpx.AsyncClient) -> None:
    response = await client.get("/p/ops/")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Basic realm="ops"')
    assert "API unresponsive" not in response.text
    wrong = await client.get("/p/ops/", auth=("x", "nope"))
    assert wrong.status_code == 401
    right = await client.get("/p/ops/api/v2/summary.json", auth=("x", "letmein"))
    assert right.status_code == 200
    assert right.json()["page"]["name"] == "Ops"
    assert right.headers["cache-control"] == "private, no-cache"
    assert "access-control-allow-origin" not in right.headers


async def test_a_private_page_admits_its_network_without_a_password() -> None:
    holder = holder_for_site()
    transport = httpx.ASGITransport(app=PublicServer(holder), client=("10.9.1.2", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://status.test") as inside:
        assert (await inside.get("/p/ops/badge/status.svg")).status_code == 200


async def test_without_a_password_route_outsiders_are_refused() -> None:
    state = site_state()
    guard = Guard("ops", None, networks(["10.9.0.0/16"]))
    site = Site((SitePage("ops", guard=guard, default=True),))
    holder = SnapshotHolder()
    holder.publish(render_site({"ops": state}, site, NOW))
    transport = httpx.ASGITransport(app=PublicServer(holder), client=("192.0.2.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://status.test") as outside:
        response = await outside.get("/", headers={"authorization": "Basic " + "x" * 10})
        assert response.status_code == 403
        basic = base64.b64encode(b"x:").decode()
        assert (
            await outside.get("/", headers={"authorization": f"Basic {basic}"})
        ).status_code == 403
