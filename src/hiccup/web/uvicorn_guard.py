"""uvicorn's httptools protocol with a request-header deadline and a connection cap.

uvicorn has neither: its keep-alive timer starts only after a response and any byte cancels
it, so a connection that sends half a header (or nothing) is held for ever.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from hiccup.web.limits import ServeLimits

BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 29\r\n\r\n"
    b"Too many connections; retry.\n"
)


def guarded_protocol(limits: ServeLimits) -> type[HttpToolsProtocol]:
    class Guarded(GuardedHttpToolsProtocol):
        header_timeout = limits.header_timeout
        max_connections = limits.max_connections

    return Guarded


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    header_timeout = 10.0
    max_connections = 4096
    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            # Answered at once rather than left hanging: the client knows to come back.
            transport.write(BUSY)
            transport.close()
            return
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        super().connection_lost(exc)

    def on_headers_complete(self) -> None:
        self._cancel_header_deadline()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # uvicorn armed its keep-alive timer: idle until the next request, which now has
        # header_timeout in all to arrive whole (its first byte cancels uvicorn's timer).
        if self.timeout_keep_alive_task is not None:
            self._arm_header_deadline()

    def _arm_header_deadline(self) -> None:
        self._cancel_header_deadline()
        self._header_deadline = self.loop.call_later(self.header_timeout, self._header_late)

    def _cancel_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _header_late(self) -> None:
        self._header_deadline = None
        if self.cycle is None or self.cycle.response_complete:
            self.transport.close()
