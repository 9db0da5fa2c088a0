"""Subscriptions belong to one page of the site: a private page's components, incidents and
address never reach a public subscriber, and a private page offers its own form and live
stream under its prefix, behind its own password."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from hiccup.config.load import parse_config
from hiccup.core.clock import ManualClock
from hiccup.core.status import IncidentImpact
from hiccup.notify.service import Notifications
from hiccup.snapshot.builder import SnapshotBuilder, SnapshotHolder
from hiccup.snapshot.site import site_from_config, site_page_specs
from hiccup.status.incidents import open_incident
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.site_pages import sync_site_pages
from hiccup.store.sync import sync_config
from hiccup.store.tables import components, pages
from hiccup.store.tables_notify import notify_messages
from hiccup.web.app import create_app, no_lifespan
from hiccup.web.public.serve import PublicServer
from hiccup.web.public.subscribe import SubscribeRoutes
from tests.support.notify_helpers import START, SmtpSink, smtp_config
from tests.support.page_helpers import serving

SITE = "http://status.flexo.example"
CONFIG = """\
page: {{name: Flexo Hosting, url: "http://status.flexo.example"}}
components:
  - {{name: amy, key: amy}}
  - {{name: flexo, key: flexo}}
  - {{name: Primary database, key: db}}
pages:
  - name: Operations
    slug: ops
    components: [db]
    private: {{password_env: OPS_PASSWORD}}
notifications:
{smtp}"""
PASSWORD = "letmein"
OPS_AUTH = {"authorization": "Basic " + base64.b64encode(f"x:{PASSWORD}".encode()).decode()}


@dataclass
class Rig:
    app: PublicServer
    client: httpx.AsyncClient
    notifications: Notifications
    engine: AsyncEngine
    sink: SmtpSink

    async def deliver(self) -> None:
        assert self.notifications.worker is not None
        await self.notifications.worker.drain()

    async def ids(self) -> dict[str, str]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(components.c.key, components.c.id))
            return {str(row.key): str(row.id) for row in rows}

    async def incident(self, title: str, *keys: str) -> None:
        ids = await self.ids()
        async with self.engine.begin() as conn:
            page_id = (await conn.execute(select(pages.c.id))).scalar_one()
            await open_incident(
                conn,
                page_id=page_id,
                name=title,
                impact=IncidentImpact.MAJOR,
                body="We are investigating.",
                started_at=START,
                now=START,
                component_ids=[ids[k] for k in keys],
            )
        await self.deliver()

    async def sign_up(self, prefix: str, email: str, **headers: str) -> None:
        answer = await self.client.post(
            f"{prefix}/subscribe", data={"email": email}, headers=headers
        )
        assert answer.status_code == 202, answer.text
        await self.deliver()
        [mail] = self.sink.to(email)
        link = re.search(r"http://\S+/subscribe/confirm\?token=(\S+)", text_of(mail))
        assert link is not None
        assert link.group(0).startswith(f"{SITE}{prefix}/subscribe/confirm?")
        done = await self.client.post(
            f"{prefix}/subscribe/confirm", data={"token": link.group(1)}, headers=headers
        )
        assert done.status_code == 200, done.text


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


@pytest.fixture
async def rig(engine: AsyncEngine, sink: SmtpSink) -> AsyncIterator[Rig]:
    clock = ManualClock(START)
    config = parse_config(CONFIG.format(smtp=smtp_config(sink.port)), Path("hiccup.yaml"))
    site = site_from_config(config, {"OPS_PASSWORD": PASSWORD})
    notifications = Notifications(engine, clock, config)
    async with engine.begin() as conn:
        await sync_config(conn, config, clock.now())
        await sync_site_pages(conn, config.page.slug, site_page_specs(site))
        await notifications.sync(conn, clock.now())
    await notifications.prepare()
    holder = SnapshotHolder()
    await SnapshotBuilder(engine, clock, holder, config.page.slug, site=site).rebuild()
    routes = SubscribeRoutes(notifications, site).routes()
    app = PublicServer(holder, create_app(holder, no_lifespan(), extra_routes=routes))
    transport = httpx.ASGITransport(app=app, client=("192.0.2.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url=SITE) as client:
        yield Rig(app, client, notifications, engine, sink)
    await notifications.close()


async def test_the_public_form_lists_only_public_components_and_refuses_a_private_one(
    rig: Rig,
) -> None:
    ids = await rig.ids()
    form = await rig.client.get("/subscribe")
    assert form.status_code == 200
    assert f'value="{ids["amy"]}"' in form.text
    assert "Primary database" not in form.text
    assert ids["db"] not in form.text
    sneaky = await rig.client.post(
        "/subscribe", json={"email": "eve@example.com", "components": [ids["db"]]}
    )
    assert sneaky.status_code == 422
    assert rig.sink.to("eve@example.com") == []


async def test_a_private_page_offers_its_own_form_behind_its_password(rig: Rig) -> None:
    assert (await rig.client.get("/p/ops/subscribe")).status_code == 401
    assert (await rig.client.post("/p/ops/subscribe", data={"email": "x@y.z"})).status_code == 401
    assert (await rig.client.get("/p/nope/subscribe")).status_code == 404
    form = await rig.client.get("/p/ops/subscribe", headers=OPS_AUTH)
    assert form.status_code == 200
    assert "Operations" in form.text
    assert "Primary database" in form.text
    assert "amy" not in form.text
    assert 'action="/p/ops/subscribe"' in form.text


async def test_public_subscribers_never_hear_of_private_components(rig: Rig) -> None:
    await rig.sign_up("", "public@example.com")
    await rig.sign_up("/p/ops", "ops@example.com", **OPS_AUTH)

    await rig.incident("Database failover", "db")
    assert len(rig.sink.to("public@example.com")) == 1, "only the confirmation"
    [_, ops_notice] = rig.sink.to("ops@example.com")
    assert "[Operations] Database failover" in str(ops_notice["Subject"])
    assert "Primary database" in text_of(ops_notice)
    unsubscribe = str(ops_notice["List-Unsubscribe"]).strip("<>")
    assert unsubscribe.startswith(f"{SITE}/p/ops/unsubscribe?token=")

    await rig.incident("flexo and the database are down", "flexo", "db")
    public_notice = rig.sink.to("public@example.com")[-1]
    assert "Affects: flexo\r\n" in text_of(public_notice)
    assert "Primary database" not in text_of(public_notice)
    assert "Operations" not in str(public_notice["Subject"])
    assert str(public_notice["List-Unsubscribe"]).startswith(f"<{SITE}/unsubscribe?token=")
    ops_latest = rig.sink.to("ops@example.com")[-1]
    assert "Affects: Primary database\r\n" in text_of(ops_latest)


async def test_what_is_stored_for_the_public_names_no_private_component(rig: Rig) -> None:
    await rig.sign_up("", "public@example.com")
    await rig.incident("flexo and the database are down", "flexo", "db")
    async with rig.engine.connect() as conn:
        stored = (
            await conn.execute(select(notify_messages.c.key, notify_messages.c.content))
        ).all()
    public = [content for key, content in stored if key.startswith("notice:") and "@" not in key]
    assert public, "the public page's notice is stored"
    for content in public:
        text = json.dumps(content)
        assert "Primary database" not in text
        assert (await rig.ids())["db"] not in text


async def test_a_confirmation_link_works_only_under_its_own_page(rig: Rig) -> None:
    answer = await rig.client.post(
        "/p/ops/subscribe", data={"email": "ops@example.com"}, headers=OPS_AUTH
    )
    assert answer.status_code == 202
    await rig.deliver()
    [mail] = rig.sink.to("ops@example.com")
    token = text_of(mail).split("token=")[1].split()[0]
    elsewhere = await rig.client.post("/subscribe/confirm", data={"token": token})
    assert elsewhere.status_code == 400
    assert "Operations" not in elsewhere.text
    # The token is the credential: a subscriber confirms without typing the password again.
    mine = await rig.client.post("/p/ops/subscribe/confirm", data={"token": token})
    assert mine.status_code == 200


async def test_a_private_page_streams_live_updates_only_behind_its_password(rig: Rig) -> None:
    # A live stream never ends: a real server, since httpx's ASGI transport waits for the end.
    async with (
        serving(rig.app) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        assert (await client.get("/p/ops/live")).status_code == 401
        assert (await client.get("/p/nope/live")).status_code == 404
        await _first_event(client)


async def _first_event(client: httpx.AsyncClient) -> None:
    async with client.stream("GET", "/p/ops/live", headers=OPS_AUTH) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        async for line in stream.aiter_lines():
            assert line == "event: hello"
            break
