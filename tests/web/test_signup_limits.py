"""The subscribe form cannot be used to flood an inbox: one confirmation mail per address per
`resend_after`, and hourly caps per client network and per page, over real SMTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from hiccup.auth.page_access import networks
from hiccup.core.clock import ManualClock
from hiccup.notify.service import Notifications
from hiccup.snapshot.builder import SnapshotHolder
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.web.app import create_app, no_lifespan
from hiccup.web.forwarded import TrustedProxies
from hiccup.web.public.subscribe import SubscribeRoutes
from tests.support.notify_helpers import START, SmtpSink, running_notifications, smtp_config

SITE = "http://status.flexo.example"
CONFIG = """\
page: {{name: Flexo Hosting, url: "http://status.flexo.example"}}
components:
  - {{name: flexo}}
notifications:
{smtp}  subscriptions:
    resend_after: 10m
    per_client_per_hour: 3
    per_page_per_hour: {per_page}
"""

Clients = tuple[Notifications, ManualClock, SubscribeRoutes]


@pytest.fixture
def per_page() -> int:
    return 5


@pytest.fixture
async def setup(engine: AsyncEngine, sink: SmtpSink, per_page: int) -> AsyncIterator[Clients]:
    clock = ManualClock(START)
    text = CONFIG.format(smtp=smtp_config(sink.port), per_page=per_page)
    notifications, _ = await running_notifications(engine, text, clock)
    yield notifications, clock, SubscribeRoutes(notifications)
    await notifications.close()


def client_from(routes: SubscribeRoutes, address: str) -> httpx.AsyncClient:
    app = create_app(SnapshotHolder(), no_lifespan(), extra_routes=routes.routes())
    proxied = TrustedProxies(app, networks(["10.9.0.0/16"]))  # as `trusted_proxies` sets up
    transport = httpx.ASGITransport(app=proxied, client=(address, 40_000))
    return httpx.AsyncClient(transport=transport, base_url=SITE)


async def sign_up(client: httpx.AsyncClient, email: str, **headers: str) -> httpx.Response:
    return await client.post("/subscribe", json={"email": email}, headers=headers)


async def mails_to(notifications: Notifications, sink: SmtpSink, email: str) -> int:
    assert notifications.worker is not None
    await notifications.worker.drain()
    return len(sink.to(email))


async def test_one_address_typed_again_and_again_gets_one_mail_until_resend_after(
    sink: SmtpSink, setup: Clients
) -> None:
    notifications, clock, routes = setup
    async with client_from(routes, "192.0.2.1") as first, client_from(routes, "192.0.2.2") as other:
        for client in (first, first, other):
            answer = await sign_up(client, "victim@example.com")
            assert answer.status_code == 202, "the answer does not tell who was mailed"
        assert await mails_to(notifications, sink, "victim@example.com") == 1
        clock.advance(timedelta(minutes=10))
        assert (await sign_up(other, "victim@example.com")).status_code == 202
        assert await mails_to(notifications, sink, "victim@example.com") == 2


async def test_a_client_over_its_hourly_share_is_told_when_to_come_back(
    sink: SmtpSink, setup: Clients
) -> None:
    notifications, clock, routes = setup
    async with client_from(routes, "192.0.2.7") as busy, client_from(routes, "192.0.2.8") as calm:
        for n in range(3):
            assert (await sign_up(busy, f"a{n}@example.com")).status_code == 202
        clock.advance(timedelta(minutes=20))
        refused = await sign_up(busy, "a3@example.com")
        assert refused.status_code == 429
        assert refused.json() == {"error": "Too many sign-ups from your network; try later."}
        assert refused.headers["retry-after"] == str(40 * 60)
        form = await busy.post("/subscribe", data={"email": "a3@example.com"})
        assert form.status_code == 429
        assert "Too many sign-ups" in form.text
        assert (await sign_up(calm, "b0@example.com")).status_code == 202
        clock.advance(timedelta(minutes=40))
        assert (await sign_up(busy, "a3@example.com")).status_code == 202
    for n, expected in enumerate([1, 1, 1, 1]):
        assert await mails_to(notifications, sink, f"a{n}@example.com") == expected


async def test_the_page_caps_sign_ups_from_many_clients_together(
    sink: SmtpSink, setup: Clients
) -> None:
    notifications, _, routes = setup
    answers = []
    for n in range(6):
        async with client_from(routes, f"198.51.100.{n + 1}") as client:
            answers.append((await sign_up(client, f"c{n}@example.com")).status_code)
    assert answers == [202] * 5 + [429]
    assert await mails_to(notifications, sink, "c5@example.com") == 0


@pytest.mark.parametrize("per_page", [100])
async def test_behind_a_trusted_proxy_each_forwarded_client_counts_alone(setup: Clients) -> None:
    _, _, routes = setup
    async with client_from(routes, "10.9.0.1") as proxy, client_from(routes, "203.0.113.5") as bare:
        for n in range(6):
            forwarded = {"x-forwarded-for": f"198.51.100.7, 203.0.113.{10 + n}"}
            assert (await sign_up(proxy, f"p{n}@example.com", **forwarded)).status_code == 202
        # Not from a trusted proxy: the header is the client's own words and counts for nothing.
        answers = [
            await sign_up(bare, f"q{n}@example.com", **{"x-forwarded-for": f"10.1.1.{n}"})
            for n in range(4)
        ]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    assert "from your network" in answers[-1].json()["error"]


async def test_bad_input_is_not_counted_against_the_client(setup: Clients) -> None:
    _, _, routes = setup
    async with client_from(routes, "192.0.2.50") as client:
        for _ in range(5):
            assert (await sign_up(client, "not-an-address")).status_code == 422
        assert (await sign_up(client, "ok@example.com")).status_code == 202
