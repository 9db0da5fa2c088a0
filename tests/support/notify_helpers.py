"""Real receivers for notification tests: an SMTP sink (aiosmtpd) and webhook endpoints
(aiohttp) on loopback, plus a Notifications builder over a real database and a manual clock."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import insert, select

from hiccup.config.load import parse_config
from hiccup.config.model import HiccupConfig
from hiccup.core.clock import ManualClock
from hiccup.core.ids import new_id
from hiccup.notify.service import Notifications
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.sync import sync_config
from hiccup.store.tables import pages
from hiccup.store.tables_notify import subscribers
from tests.support.targets import reserve_port


@dataclass
class Received:
    recipients: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("bounce"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.sink.add(Received(list(envelope.rcpt_tos), parsed))
        return "250 OK"


@dataclass
class SmtpSink:
    """An SMTP server on loopback that keeps every message; stop() refuses connections."""

    port: int = 0
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    def start(self) -> None:
        self.port = self.port or reserve_port()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def add(self, item: Received) -> None:
        with self._lock:
            self.received.append(item)

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def per_recipient(self) -> Counter[str]:
        return Counter(r for item in self.snapshot() for r in item.recipients)

    def to(self, address: str) -> list[EmailMessage]:
        return [i.message for i in self.snapshot() if address in i.recipients]


@dataclass
class Hook:
    """One webhook endpoint's behaviour: ok, status NNN, hang, slow, redirect forever."""

    mode: str = "ok"
    status: int = 200
    seconds: float = 0.0
    requests: list[tuple[dict[str, str], bytes, float]] = field(default_factory=list)


class WebhookReceiver:
    def __init__(self) -> None:
        self.hooks: dict[str, Hook] = {}
        self.port = 0
        self._runner: web.AppRunner | None = None

    def add(self, name: str, hook: Hook) -> str:
        self.hooks[name] = hook
        return self.url(name)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    async def start(self) -> None:
        self.port = self.port or reserve_port()
        app = web.Application()
        app.router.add_post("/{name}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        hook = self.hooks.get(name, Hook(status=404))
        body = await request.read()
        hook.requests.append((dict(request.headers), body, asyncio.get_running_loop().time()))
        if hook.mode == "hang":
            await asyncio.sleep(3600)
        if hook.mode == "slow":
            await asyncio.sleep(hook.seconds)
        if hook.mode == "redirect":
            raise web.HTTPFound(f"/{name}")
        return web.Response(status=hook.status, text="ok" if hook.status < 300 else "nope")


START = datetime.fromisoformat("2026-11-04T16:00:00+00:00")


def smtp_config(port: int, pool_size: int = 4) -> str:
    return (
        f"  smtp: {{host: 127.0.0.1, port: {port}, security: none, "
        f"from: 'Flexo Status <status@flexo.example>', pool_size: {pool_size}}}\n"
    )


async def running_notifications(
    engine: AsyncEngine,
    text: str,
    clock: ManualClock | None = None,
    spool_dir: Path | None = None,
    **environ: str,
) -> tuple[Notifications, HiccupConfig]:
    """Sync `text` into the database and prepare a Notifications over it (no tasks run:
    tests call worker.drain() and deadlines.run_once())."""
    config = parse_config(text, Path("notify-test.yaml"))
    clock = clock or ManualClock(START)
    notifications = Notifications(engine, clock, config, environ=environ, spool_dir=spool_dir)
    async with engine.begin() as conn:
        await sync_config(conn, config, clock.now())
        await notifications.sync(conn, clock.now())
    await notifications.prepare()
    return notifications, config


async def add_subscribers(
    engine: AsyncEngine, addresses: list[str], now: datetime, kind: str = "email"
) -> list[str]:
    """Confirmed subscribers of the whole page, inserted directly (one statement)."""
    async with engine.begin() as conn:
        page_id, slug = (await conn.execute(select(pages.c.id, pages.c.slug))).one()
        rows: list[dict[str, Any]] = [
            {
                "id": new_id(),
                "page_id": page_id,
                "site_page": slug,
                "kind": kind,
                "address": address,
                "owner_email": address if kind == "email" else "owner@example.com",
                "all_components": True,
                "confirmed_at": now,
                "declared": False,
                "created_at": now,
                "updated_at": now,
            }
            for address in addresses
        ]
        await conn.execute(insert(subscribers), rows)
    return [r["id"] for r in rows]
