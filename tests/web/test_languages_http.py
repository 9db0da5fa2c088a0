"""A page in German that also offers English, served over real HTTP on loopback: the reader's
Accept-Language picks the variant where the page allows it and is ignored where it does not;
the subscribe form and the confirmation mail (through a real SMTP server) speak the same."""

from __future__ import annotations

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
from hiccup.web.app import create_app, no_lifespan
from hiccup.web.public.serve import PublicServer
from hiccup.web.public.subscribe import SubscribeRoutes
from tests.support.notify_helpers import START, SmtpSink, smtp_config
from tests.support.page_helpers import serving

CONFIG = """\
page:
  name: Flexo Hosting
  url: "http://status.flexo.example"
  time_zone: Europe/Berlin
  language: de
  languages: [en]
components:
  - {{name: amy, key: amy}}
  - {{name: flexo, key: flexo}}
pages:
  - name: Flexo Shop
    slug: shop
    components: [flexo]
    languages: []
notifications:
{smtp}"""
ENGLISH = {"accept-language": "en-US,en;q=0.9"}


@dataclass
class Rig:
    client: httpx.AsyncClient
    notifications: Notifications
    engine: AsyncEngine
    sink: SmtpSink

    async def deliver(self) -> None:
        assert self.notifications.worker is not None
        await self.notifications.worker.drain()

    async def sign_up(self, email: str, **headers: str) -> EmailMessage:
        answer = await self.client.post("/subscribe", data={"email": email}, headers=headers)
        assert answer.status_code == 202, answer.text
        await self.deliver()
        [mail] = self.sink.to(email)
        return mail

    async def confirm(self, mail: EmailMessage) -> None:
        link = re.search(r"/subscribe/confirm\?token=(\S+)", text_of(mail))
        assert link is not None
        done = await self.client.post("/subscribe/confirm", data={"token": link.group(1)})
        assert done.status_code == 200, done.text


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


@pytest.fixture
async def rig(engine: AsyncEngine, sink: SmtpSink) -> AsyncIterator[Rig]:
    clock = ManualClock(START)
    config = parse_config(CONFIG.format(smtp=smtp_config(sink.port)), Path("hiccup.yaml"))
    site = site_from_config(config, {})
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
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        yield Rig(client, notifications, engine, sink)
    await notifications.close()


async def test_accept_language_picks_the_variant_the_page_offers(rig: Rig) -> None:
    own = await rig.client.get("/")
    assert own.status_code == 200
    assert '<html lang="de">' in own.text
    assert "Komponenten" in own.text
    assert own.headers["content-language"] == "de"
    assert own.headers["vary"] == "accept-encoding, accept-language"

    english = await rig.client.get("/", headers=ENGLISH)
    assert '<html lang="en">' in english.text
    assert "Components" in english.text
    assert english.headers["content-language"] == "en"
    assert english.headers["etag"] != own.headers["etag"]
    # A cached copy is revalidated against the variant the reader gets.
    again = await rig.client.get("/", headers={**ENGLISH, "if-none-match": english.headers["etag"]})
    assert again.status_code == 304

    # A language the page does not offer: its own, not an error.
    japanese = await rig.client.get("/", headers={"accept-language": "ja"})
    assert '<html lang="de">' in japanese.text
    gzipped = await rig.client.get("/history", headers={**ENGLISH, "accept-encoding": "gzip"})
    assert gzipped.headers["content-encoding"] == "gzip"
    assert "Incident history" in gzipped.text


async def test_a_page_that_offers_one_language_ignores_the_browser(rig: Rig) -> None:
    shop = await rig.client.get("/p/shop/", headers=ENGLISH)
    assert shop.status_code == 200
    assert '<html lang="de">' in shop.text  # the main page's language, kept by the page
    assert "Components" not in shop.text
    assert "accept-language" not in shop.headers["vary"]


async def test_the_subscribe_form_speaks_the_readers_language_where_offered(rig: Rig) -> None:
    german = await rig.client.get("/subscribe")
    assert german.status_code == 200
    assert '<html lang="de">' in german.text
    assert "E-Mail-Adresse" in german.text
    assert "Neuigkeiten abonnieren" in german.text
    english = await rig.client.get("/subscribe", headers=ENGLISH)
    assert "Email address" in english.text
    refused = await rig.client.post("/subscribe", data={"email": "not-an-address"})
    assert refused.status_code == 422
    assert '<html lang="de">' in refused.text


async def test_the_confirmation_mail_goes_out_in_the_pages_language(rig: Rig) -> None:
    mail = await rig.sign_up("ann@example.com")
    assert mail["Subject"] == "[Flexo Hosting] Bestätigen Sie Ihr Abonnement"
    text = text_of(mail)
    assert "Bitte bestätigen Sie, dass Sie Neuigkeiten von Flexo Hosting erhalten möchten:" in text
    assert "Ihre Auswahl: alle Komponenten." in text
    # The expiry (the default two days on) in German words and the page's zone.
    assert "Der Link funktioniert einmal und läuft am 6. Nov. 2026, 17:00 CET ab." in text
    html = mail.get_body(("html",))
    assert html is not None
    assert '<html lang="de">' in str(html.get_content())

    # Read in English on a page that offers it: the mail follows the form.
    english = await rig.sign_up("bob@example.com", **ENGLISH)
    assert english["Subject"] == "[Flexo Hosting] Confirm your subscription"


async def test_subscriber_notices_go_out_in_the_pages_language(rig: Rig) -> None:
    await rig.confirm(await rig.sign_up("ann@example.com"))
    async with rig.engine.begin() as conn:
        page_id = (await conn.execute(select(pages.c.id))).scalar_one()
        flexo = (
            await conn.execute(select(components.c.id).where(components.c.key == "flexo"))
        ).scalar_one()
        await open_incident(
            conn,
            page_id=page_id,
            name="flexo antwortet nicht",
            impact=IncidentImpact.MAJOR,
            body="Wir untersuchen das.",
            started_at=START,
            now=START,
            component_ids=[flexo],
        )
    await rig.deliver()
    notice = rig.sink.to("ann@example.com")[-1]
    assert notice["Subject"] == "[Flexo Hosting] flexo antwortet nicht (wird untersucht)"
    text = text_of(notice)
    assert "Betrifft: flexo" in text
    assert "Sie erhalten diese E-Mail, weil Sie Flexo Hosting abonniert haben." in text
