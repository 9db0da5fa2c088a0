"""Notifications inside one Hiccup process: the delivery worker, the alert deadline scheduler,
the channels they share, and what the subscribe routes need. Built by runtime.Hiccup."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from hiccup.config.model import HiccupConfig
from hiccup.config.notifications import NotificationsConfig
from hiccup.core.clock import Clock
from hiccup.core.confirmations import ConfirmationTarget
from hiccup.core.logs import Repeats
from hiccup.notify.alert_spool import AlertSpool
from hiccup.notify.alerts import disable_channel, fire_due, next_deadline
from hiccup.notify.channels.base import Channel, ChannelContext
from hiccup.notify.channels.registry import build_channels
from hiccup.notify.http import HttpSender
from hiccup.notify.outbox import Claimed, wake_on_commit
from hiccup.notify.render import Composer
from hiccup.notify.subscribers import (
    ConfirmLink,
    SignUp,
    disable_subscriber,
    queue_confirmation,
)
from hiccup.notify.sync import sync_notifications
from hiccup.notify.tokens import Signer, load_secret
from hiccup.notify.try_channel import send_test
from hiccup.notify.worker import DeliveryWorker
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://localhost:8000"


class DeadlineScheduler:
    """Fires alert deadlines (reminders, held children) when they come due; sleeps until the
    earliest one, woken early when a transition stores a new deadline."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self.wake = asyncio.Event()
        self._failing = Repeats(log, "could not fire alert deadlines; retrying")

    async def run_once(self) -> int:
        now = self._clock.now()
        async with self._engine.begin() as conn:
            return await fire_due(conn, now)

    async def _wait_seconds(self, poll: float) -> float:
        async with self._engine.connect() as conn:
            due = await next_deadline(conn)
        if due is None:
            return poll
        return min(poll, max((due - self._clock.now()).total_seconds(), 0.05))

    async def run(self, poll_seconds: float = 30.0) -> None:
        while True:
            self.wake.clear()
            try:
                await self.run_once()
                timeout = await self._wait_seconds(poll_seconds)
            except Exception as error:
                self._failing.failed(error)
                timeout = poll_seconds
            else:
                self._failing.recovered()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self.wake.wait()


def page_languages(config: HiccupConfig | None) -> dict[str, str]:
    """Each page's language by its address prefix, as the public site renders it: another
    page speaks the instance page's language unless it sets its own."""
    if config is None:
        return {}
    main = config.page.language
    languages = {"": main}
    for page in config.pages:
        own = page.language if "language" in page.model_fields_set else main
        languages[f"/p/{page.slug}"] = own
    return languages


class Notifications:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        config: HiccupConfig | None,
        *,
        environ: Mapping[str, str] | None = None,
        base_url: str = DEFAULT_BASE_URL,
        spool_dir: Path | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.hiccup_config = config
        self.config = config.notifications if config else NotificationsConfig()
        self.page_slug = config.page.slug if config else "default"
        self.base_url = base_url
        self.environ = dict(os.environ if environ is None else environ)
        self.http = HttpSender()
        self.signer: Signer | None = None
        self.composer: Composer | None = None
        self.channels: dict[str, Channel] = {}
        self.worker: DeliveryWorker | None = None
        self.deadlines = DeadlineScheduler(engine, clock)
        # Operator alerts go out from local disk while the database is away (alert_spool.py).
        self.spool = (
            AlertSpool(spool_dir, engine, clock, self.config.delivery) if spool_dir else None
        )
        # Deliveries look for due rows nobody woke them for this often (the server sets it).
        self.poll_seconds = 2.0
        self._stop_listening: Callable[[], None] | None = None

    async def sync(self, conn: AsyncConnection, now: datetime) -> list[str]:
        if self.hiccup_config is None:
            return []
        return await sync_notifications(conn, self.hiccup_config, now)

    async def prepare(self) -> None:
        """Load the signing key and build the channels; run after migrations."""
        async with self.engine.begin() as conn:
            secret = await load_secret(conn, self.clock.now())
        self.signer = Signer(secret)
        self.composer = Composer(
            self.signer,
            base_url=self.base_url,
            templates_dir=self.config.templates_dir,
            languages=page_languages(self.hiccup_config),
        )
        context = ChannelContext(self.config, self.composer, self.http, self.environ)
        self.channels = build_channels(context)
        self.worker = DeliveryWorker(
            self.engine, self.clock, self.channels, self.config.delivery, self.on_permanent
        )
        self._stop_listening = wake_on_commit(self.engine, self.wake)
        if self.spool is not None:
            await self.spool.open(self.channels)

    def wake(self) -> None:
        if self.worker is not None:
            self.worker.wake()
        self.deadlines.wake.set()
        if self.spool is not None:
            self.spool.alerts_changed()

    async def send_test(self, key: str, actor: str) -> str | None:
        """A test alert through channel `key` now (notify/try_channel.py)."""
        return await send_test(
            self.engine, self.clock, self.channels, self.config.delivery, key, actor
        )

    async def mail_confirmation(
        self, conn: AsyncConnection, subscriber: ConfirmationTarget, now: datetime
    ) -> None:
        assert self.signer is not None, "prepare() first"
        link = ConfirmLink(self.signer, self.config.subscriptions.confirm_within, self.base_url)
        sign_up = SignUp(
            subscriber.page_id,
            subscriber.site_page,
            subscriber.email,
            subscriber.component_ids,
            subscriber.webhook,
        )
        await queue_confirmation(
            conn, link, sign_up, subscriber.subscriber_id, subscriber.nonce, now
        )

    async def on_permanent(
        self, conn: AsyncConnection, item: Claimed, reason: str, now: datetime
    ) -> None:
        if item.channel is not None:
            await disable_channel(conn, item.channel, reason, now)
        elif item.subscriber is not None:
            await disable_subscriber(conn, item.subscriber, reason, now)

    def workers(self) -> dict[str, Callable[[], Coroutine[Any, Any, None]]]:
        """Each worker as a function that starts it (a duty may start it again elsewhere)."""
        assert self.worker is not None, "prepare() first"
        deliveries = partial(self.worker.run, self.poll_seconds)
        return {"deliveries": deliveries, "alert-deadlines": self.deadlines.run}

    def tasks(self) -> dict[str, Coroutine[Any, Any, None]]:
        return {name: start() for name, start in self.workers().items()}

    async def close(self) -> None:
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
        if self.worker is not None:
            await self.worker.stop()
        if self.spool is not None:
            await self.spool.close()
        for channel in self.channels.values():
            with contextlib.suppress(Exception):
                await channel.close()
        await self.http.close()
