"""Fan-out: one incident update to 10,000 email subscribers through one SMTP connection pool.

Runs the real path (open_incident → enqueue_notice's one INSERT … SELECT → the delivery worker's
email lane → aiosmtplib pool → a local aiosmtpd sink) on a fresh SQLite file (or
HICCUP_DATABASE_URL), then, as a baseline in the same run, a bare aiosmtplib loop sending the
same number of pre-built messages over the same number of connections to the same sink.

    .venv/bin/python bench/fanout.py [--subscribers 10000] [--pool 8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import socket
import tempfile
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import insert, select

from hiccup.config.load import parse_config
from hiccup.core.clock import SystemClock
from hiccup.core.ids import new_id
from hiccup.core.status import IncidentImpact
from hiccup.notify.service import Notifications
from hiccup.status.incidents import open_incident
from hiccup.store.database import create_engine, migrate
from hiccup.store.sync import sync_config
from hiccup.store.tables import components, pages
from hiccup.store.tables_notify import outbox, subscribers

CONFIG = """\
page: {{name: Bench Hosting, url: "http://status.bench.example"}}
components: [{{name: flexo}}]
notifications:
  smtp: {{host: 127.0.0.1, port: {port}, security: none, from: status@bench.example,
         pool_size: {pool}}}
"""


class Sink:
    """Counts messages in a process of its own, as a real SMTP server would be (in this
    process it would compete for the GIL with the sender it measures)."""

    def __init__(self) -> None:
        self._count = multiprocessing.Value("q", 0)
        self._last = multiprocessing.Value("d", 0.0)
        self._process: multiprocessing.Process | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._count.get_lock():
            self._count.value += 1
            self._last.value = time.monotonic()
        return "250 OK"

    def _serve(self, port: int) -> None:
        controller = Controller(self, hostname="127.0.0.1", port=port)
        controller.start()
        threading.Event().wait()

    def start(self, port: int) -> None:
        self._process = multiprocessing.Process(target=self._serve, args=(port,), daemon=True)
        self._process.start()

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join()

    @property
    def count(self) -> int:
        return int(self._count.value)

    @property
    def last(self) -> float:
        return float(self._last.value)

    def reset(self) -> None:
        with self._count.get_lock():
            self._count.value, self._last.value = 0, 0.0


async def wait_for(sink: Sink, total: int, limit: float = 600.0) -> None:
    async with asyncio.timeout(limit):
        while sink.count < total:  # noqa: ASYNC110 - watching the sink process
            await asyncio.sleep(0.01)


async def ready(port: int) -> None:
    async with asyncio.timeout(10):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.05)


async def add_subscribers(url: str, total: int) -> tuple[str, str]:
    engine = create_engine(url)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        page_id, slug = (await conn.execute(select(pages.c.id, pages.c.slug))).one()
        component_id = (await conn.execute(select(components.c.id))).scalar_one()
        rows = [
            {"id": new_id(), "page_id": page_id, "site_page": slug, "kind": "email",
             "address": f"s{i}@example.com", "all_components": True, "confirmed_at": now,
             "declared": False, "created_at": now, "updated_at": now}
            for i in range(total)
        ]  # fmt: skip
        await conn.execute(insert(subscribers), rows)
    await engine.dispose()
    return page_id, component_id


async def hiccup_run(url: str, port: int, pool: int, total: int, sink: Sink) -> dict[str, float]:
    engine = create_engine(url)
    await migrate(engine)
    config = parse_config(CONFIG.format(port=port, pool=pool), Path("bench.yaml"))
    clock = SystemClock()
    async with engine.begin() as conn:
        await sync_config(conn, config, clock.now())
    page_id, component_id = await add_subscribers(url, total)
    notifications = Notifications(engine, clock, config)
    async with engine.begin() as conn:
        await notifications.sync(conn, clock.now())
    await notifications.prepare()
    assert notifications.worker is not None
    worker = asyncio.create_task(notifications.worker.run(poll_seconds=0.5))
    started = time.monotonic()
    async with engine.begin() as conn:
        await open_incident(
            conn, page_id=page_id, name="flexo is unavailable", impact=IncidentImpact.CRITICAL,
            body="We are investigating.", started_at=clock.now(), now=clock.now(),
            component_ids=[component_id],
        )  # fmt: skip
    queued = time.monotonic()
    await wait_for(sink, total)
    finished = sink.last
    worker.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await worker
    await notifications.close()
    async with engine.connect() as conn:
        delivered = (
            await conn.execute(select(outbox.c.id).where(outbox.c.state == "delivered"))
        ).all()
    await engine.dispose()
    return {"enqueue_s": queued - started, "last_s": finished - started, "marked": len(delivered)}


def bare_message(i: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "status@bench.example"
    message["To"] = f"s{i}@example.com"
    message["Subject"] = "[Bench Hosting] flexo is unavailable (investigating)"
    message.set_content("We are investigating.")
    message.add_alternative("<p>We are investigating.</p>", subtype="html")
    return message


async def baseline_run(port: int, pool: int, total: int, sink: Sink) -> float:
    messages = [bare_message(i) for i in range(total)]
    started = time.monotonic()

    async def connection(share: list[EmailMessage]) -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        await client.connect()
        for message in share:
            await client.send_message(message)
        await client.quit()

    await asyncio.gather(*(connection(messages[k::pool]) for k in range(pool)))
    await wait_for(sink, total)
    return sink.last - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--pool", type=int, default=8)
    args = parser.parse_args()
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink.start(port)
    await ready(port)
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("HICCUP_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
        hiccup = await hiccup_run(url, port, args.pool, args.subscribers, sink)
    sink.reset()
    bare = await baseline_run(port, args.pool, args.subscribers, sink)
    sink.stop()
    total, last = args.subscribers, hiccup["last_s"]
    print(f"subscribers: {total}, SMTP pool: {args.pool}, database: {url.split(':')[0]}")
    print(f"hiccup:   enqueue (one INSERT … SELECT) {hiccup['enqueue_s'] * 1000:.0f} ms")
    print(f"hiccup:   last delivery after {last:.2f} s, {total / last:.0f} messages/s, "
          f"{hiccup['marked']:.0f} marked delivered")  # fmt: skip
    print(f"baseline: bare aiosmtplib loop, {bare:.2f} s, {total / bare:.0f} messages/s")
    print(f"ratio:    hiccup / baseline time = {last / bare:.2f}x (target: {total} in < 60 s)")


if __name__ == "__main__":
    asyncio.run(main())
