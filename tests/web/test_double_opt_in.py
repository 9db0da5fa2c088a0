"""Double opt-in over real SMTP: sign up, confirm by the mailed link, receive notices for the
chosen component only, and leave with the mail client's one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from email.message import EmailMessage

import httpx
import pytest
from sqlalchemy import select

from hiccup.core.clock import ManualClock
from hiccup.core.status import IncidentImpact
from hiccup.notify.service import Notifications
from hiccup.snapshot.builder import SnapshotHolder
from hiccup.status.incidents import open_incident
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import components, pages
from hiccup.web.app import create_app, no_lifespan
from hiccup.web.public.subscribe import SubscribeRoutes
from tests.support.notify_helpers import START, SmtpSink, running_notifications, smtp_config

SITE = "http://status.flexo.example"
CONFIG = """\
page: {{name: Flexo Hosting, url: "http://status.flexo.example"}}
components:
  - {{name: amy}}
  - {{name: flexo}}
notifications:
{smtp}"""


@pytest.fixture
async def setup(
    engine: AsyncEngine, sink: SmtpSink
) -> AsyncIterator[tuple[Notifications, httpx.AsyncClient]]:
    clock = ManualClock(START)
    notifications, _ = await running_notifications(
        engine, CONFIG.format(smtp=smtp_config(sink.port)), clock
    )
    app = create_app(
        SnapshotHolder(), no_lifespan(), extra_routes=SubscribeRoutes(notifications).routes()
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=SITE) as client:
        yield notifications, client
    await notifications.close()


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


async def component_id(engine: AsyncEngine, name: str) -> str:
    async with engine.connect() as conn:
        query = select(components.c.id).where(components.c.name == name)
        return str((await conn.execute(query)).scalar_one())


async def open_incident_on(engine: AsyncEngine, name: str, title: str) -> None:
    async with engine.begin() as conn:
        page_id = (await conn.execute(select(pages.c.id))).scalar_one()
        await open_incident(
            conn,
            page_id=page_id,
            name=title,
            impact=IncidentImpact.MAJOR,
            body="We are **investigating**.",
            started_at=START,
            now=START,
            component_ids=[await component_id(engine, name)],
        )


async def test_it_confirms_by_mail_then_sends_notices_and_unsubscribes_in_one_click(
    engine: AsyncEngine, sink: SmtpSink, setup: tuple[Notifications, httpx.AsyncClient]
) -> None:
    notifications, client = setup
    assert notifications.worker is not None
    flexo = await component_id(engine, "flexo")
    form = await client.get("/subscribe")
    assert form.status_code == 200
    assert f'value="{flexo}"' in form.text

    answer = await client.post("/subscribe", data={"email": "ann@example.com", "components": flexo})
    assert answer.status_code == 202
    await notifications.worker.drain()
    [confirmation] = sink.to("ann@example.com")
    assert "Confirm your subscription" in str(confirmation["Subject"])
    link = re.search(r"http://\S+/subscribe/confirm\?token=\S+", text_of(confirmation))
    assert link is not None

    await open_incident_on(engine, "flexo", "Before confirming")
    await notifications.worker.drain()
    assert len(sink.to("ann@example.com")) == 1, "nothing is sent before the owner confirms"

    page = await client.get(link.group(0))
    assert page.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token is not None
    confirmed = await client.post("/subscribe/confirm", data={"token": token.group(1)})
    assert confirmed.status_code == 200
    assert "You are subscribed" in confirmed.text

    await open_incident_on(engine, "amy", "amy is unavailable")
    await open_incident_on(engine, "flexo", "flexo is unavailable")
    await notifications.worker.drain()
    notice = sink.to("ann@example.com")[-1]
    assert len(sink.to("ann@example.com")) == 2, "amy's incident is not for this subscriber"
    assert str(notice["Subject"]) == "[Flexo Hosting] flexo is unavailable (investigating)"
    assert notice.get_body(("html",)) is not None
    assert "We are **investigating**." in text_of(notice)
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(notice["List-Unsubscribe"]).strip("<>")
    assert unsubscribe.startswith(f"{SITE}/unsubscribe?token=")

    one_click = await client.post(
        unsubscribe,
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200
    await open_incident_on(engine, "flexo", "flexo is unavailable again")
    await notifications.worker.drain()
    assert len(sink.to("ann@example.com")) == 2


async def test_it_refuses_a_confirmation_link_used_twice(
    sink: SmtpSink, setup: tuple[Notifications, httpx.AsyncClient]
) -> None:
    notifications, client = setup
    assert notifications.worker is not None
    await client.post("/subscribe", data={"email": "bob@example.com"})
    await notifications.worker.drain()
    [confirmation] = sink.to("bob@example.com")
    token = text_of(confirmation).split("token=")[1].split()[0]
    first = await client.post("/subscribe/confirm", data={"token": token})
    assert first.status_code == 200
    again = await client.post("/subscribe/confirm", data={"token": token})
    assert again.status_code == 400
    assert "used already" in again.text


async def test_it_rejects_an_invalid_address_with_a_clear_message(
    setup: tuple[Notifications, httpx.AsyncClient],
) -> None:
    _, client = setup
    answer = await client.post("/subscribe", json={"email": "ann@@example"})
    assert answer.status_code == 422
    assert "is not a valid email address" in answer.json()["error"]


async def test_it_answers_json_that_is_not_utf8_with_422_not_500(
    setup: tuple[Notifications, httpx.AsyncClient],
) -> None:
    _, client = setup
    answer = await client.post(
        "/subscribe",
        content=b'{"email": "\xff\xfe@example.com"}',
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 422
    assert "UTF-8" in answer.json()["error"]


async def test_it_refuses_a_mailbox_name_beyond_ascii_at_the_form(
    sink: SmtpSink, setup: tuple[Notifications, httpx.AsyncClient]
) -> None:
    notifications, client = setup
    answer = await client.post("/subscribe", json={"email": "jürgen@example.com"})
    assert answer.status_code == 422
    assert "beyond ASCII before the @" in answer.json()["error"]
    assert notifications.worker is not None
    await notifications.worker.drain()
    assert sink.count() == 0


async def test_it_mails_an_internationalized_domain_in_its_ascii_form(
    sink: SmtpSink, setup: tuple[Notifications, httpx.AsyncClient]
) -> None:
    notifications, client = setup
    answer = await client.post("/subscribe", json={"email": "ann@bücher.example"})
    assert answer.status_code == 202
    assert notifications.worker is not None
    await notifications.worker.drain()
    [confirmation] = sink.to("ann@xn--bcher-kva.example")
    assert "Confirm your subscription" in str(confirmation["Subject"])


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/hook", "http://[::ffff:10.0.0.1]/hook", "http://localhost/hook"]
)
async def test_it_refuses_a_webhook_on_a_private_address_at_sign_up(
    sink: SmtpSink, setup: tuple[Notifications, httpx.AsyncClient], url: str
) -> None:
    notifications, client = setup
    answer = await client.post("/subscribe", json={"email": "ops@example.com", "webhook": url})
    assert answer.status_code == 422, answer.text
    assert "private" in answer.json()["error"] or "loopback" in answer.json()["error"]
    assert notifications.worker is not None
    await notifications.worker.drain()
    assert sink.count() == 0, "no confirmation is sent for a refused webhook"
