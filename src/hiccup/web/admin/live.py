"""/admin/live: server-sent events telling an open console that monitors changed state.

The console's rows refetch themselves when told (static/live-rows.js); the event carries
only a version number, never monitor data, and the rows come from the usual guarded table
route. Only a signed-in person with a session may listen: a token, a missing or half-done
session gets 401, and the script falls back to polling. Served beside the admin app rather
than inside it: the admin's HEAD-as-GET wrapper expects every GET to end, and this one
does not (until the reader leaves or the server stops).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from typing import Any

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from hiccup.auth.roles import Permission
from hiccup.core.signal import Signal
from hiccup.manage.context import Ops
from hiccup.store.outage import unavailable
from hiccup.web.access import principal_for
from hiccup.web.admin.base import ADMIN_CSP

HEARTBEAT_SECONDS = 15.0
# Between two events to one reader: a fleet flapping every second costs each open console
# one refetch a second at most.
GAP_SECONDS = 1.0
MAX_STREAMS = 500

_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),  # nginx in front must pass events through at once
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", ADMIN_CSP.encode()),
]


def event(name: str, version: int, retry_ms: int | None = None) -> bytes:
    retry = f"retry: {retry_ms}\n" if retry_ms is not None else ""
    return f"event: {name}\n{retry}data: {json.dumps({'version': version})}\n\n".encode()


async def _plain(send: Send, status: int, text: str, retry_after: int | None = None) -> None:
    body = text.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class AdminLive:
    def __init__(
        self,
        ops: Ops,
        changes: Signal,
        *,
        limit: int = MAX_STREAMS,
        heartbeat: float = HEARTBEAT_SECONDS,
        gap: float = GAP_SECONDS,
    ) -> None:
        self.ops, self.changes = ops, changes
        self.limit, self.heartbeat, self.gap = limit, heartbeat, gap
        self.open = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = await self._refusal(Request(scope, receive))
        if refusal is not None:
            await _plain(send, *refusal)
            return
        self.open += 1
        try:
            await self._stream(scope, receive, send)
        finally:
            self.open -= 1

    async def _refusal(self, request: Request) -> tuple[int, str, int | None] | None:
        try:
            principal = await principal_for(request, self.ops)
        except Exception as error:
            if not unavailable(error):
                raise
            return 503, "The database is not answering; the console polls meanwhile.\n", 30
        if principal is None or principal.token_name is not None:
            return 401, "Sign in to the console first.\n", None
        if not principal.may(Permission.READ):
            return 403, "Your role cannot read the console.\n", None
        if self.open >= self.limit or self.changes.closed:
            # Spread the retries of everyone turned away at the same moment.
            return 503, "Too many live consoles; this one polls.\n", random.randint(30, 120)
        return None

    async def _stream(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        seen = self.changes.version
        # The browser's own reconnection waits this long: spread over a few seconds so that
        # a restart does not bring every console back in the same instant.
        hello = event("hello", seen, retry_ms=random.randint(1000, 5000))
        await send({"type": "http.response.body", "body": hello, "more_body": True})
        gone = asyncio.ensure_future(_disconnected(receive))
        closing = asyncio.ensure_future(self.changes.wait_closed())
        try:
            await self._follow(send, seen, {gone, closing})
        finally:
            gone.cancel()
            closing.cancel()
            with contextlib.suppress(Exception):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _follow(self, send: Send, seen: int, ends: set[asyncio.Future[Any]]) -> None:
        while True:
            moved = asyncio.ensure_future(self.changes.moved_past(seen))
            done, _ = await asyncio.wait(
                {moved, *ends}, timeout=self.heartbeat, return_when=asyncio.FIRST_COMPLETED
            )
            moved.cancel()
            if done & ends:
                return
            if moved in done:
                seen = moved.result()
                chunk = event("monitors", seen)
            else:
                chunk = b": \n\n"
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if moved in done:
                # Let further changes gather; the reader refetches once for all of them.
                done, _ = await asyncio.wait(ends, timeout=self.gap)
                if done:
                    return


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
