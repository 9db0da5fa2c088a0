"""/live: server-sent events telling an open page that it changed.

Each page has its own stream (`/live` for the page at the root or the host's page,
`/p/<slug>/live` for another, behind that page's guard), and an event goes out only when that
page's own responses changed: a change on a private page wakes no public reader. The event
carries only the page's version, never page data; pages then fetch themselves, with their own
ETag and guard. Streams are capped: past the cap a reader gets 503 with a Retry-After and
simply keeps the page it has.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from typing import Protocol

from starlette.types import Receive, Scope, Send

from hiccup.snapshot.assets import Snapshot

HEARTBEAT_SECONDS = 15.0
MAX_STREAMS = 10_000


class SnapshotSource(Protocol):
    current: Snapshot | None

    async def changed(self) -> None: ...


def event(name: str, snapshot: Snapshot | None, page: str | None = None) -> bytes:
    data = {"version": snapshot.version_of(page) if snapshot else None}
    if snapshot is not None:
        data["generated_at"] = snapshot.generated_at.isoformat()
        data["stale"] = "yes" if snapshot.stale_since else "no"
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),  # nginx in front must pass events through at once
    (b"x-content-type-options", b"nosniff"),
]


class LiveStream:
    def __init__(
        self,
        holder: SnapshotSource,
        *,
        limit: int = MAX_STREAMS,
        heartbeat: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.holder = holder
        self.limit = limit
        self.heartbeat = heartbeat
        self.open = 0
        self._closing = asyncio.Event()

    def close(self) -> None:
        """End every stream now (the server is stopping): a stream never ends by itself, and
        a server waiting for its connections would otherwise wait for the readers to leave."""
        try:
            asyncio.get_running_loop().call_soon_threadsafe(self._closing.set)
        except RuntimeError:  # no loop running: nothing is streaming
            self._closing.set()

    async def _busy(self, send: Send) -> None:
        # Spread the retries of everyone turned away at the same moment.
        wait = str(random.randint(30, 120)).encode()
        body = b"Too many live readers; the page still works, just reload it now and then.\n"
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", wait)]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send, page: str | None = None
    ) -> None:
        """Stream the changes of `page` (a slug; None: of any page)."""
        if self.open >= self.limit or self._closing.is_set():
            await self._busy(send)
            return
        self.open += 1
        try:
            await self._stream(scope, receive, send, page)
        finally:
            self.open -= 1

    def _seen(self, page: str | None) -> tuple[str | None, bool]:
        current = self.holder.current
        if current is None:
            return None, False
        return current.version_of(page), current.stale_since is not None

    async def _stream(self, scope: Scope, receive: Receive, send: Send, page: str | None) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        hello = event("hello", self.holder.current, page)
        seen = self._seen(page)
        await send({"type": "http.response.body", "body": hello, "more_body": True})
        gone = asyncio.ensure_future(_disconnected(receive))
        closing = asyncio.ensure_future(self._closing.wait())
        try:
            while not gone.done():
                changed = asyncio.ensure_future(self.holder.changed())
                done, _ = await asyncio.wait(
                    {changed, gone, closing},
                    timeout=self.heartbeat,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                changed.cancel()
                if gone in done or closing in done:
                    return
                if changed in done:
                    now_seen = self._seen(page)
                    if now_seen == seen:
                        continue  # another page changed, not this one
                    seen = now_seen
                    chunk = event("snapshot", self.holder.current, page)
                else:
                    chunk = b": \n\n"
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            gone.cancel()
            closing.cancel()
            with contextlib.suppress(Exception):
                await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
