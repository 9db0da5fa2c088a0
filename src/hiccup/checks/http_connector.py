"""A TCP connector that opens TLS as a step of its own, so the handshake is timed apart.

aiohttp opens TCP and TLS in one call (`loop.create_connection(ssl=...)`), leaving no moment
between them to notice. This connector connects plain TCP first, tells whoever listens that the
handshake starts, then upgrades the socket with aiohttp's own start-TLS step — the one it uses
behind proxies, with the same certificate checks, error types and timeouts. It relies on two
aiohttp internals (`_wrap_create_connection`, `_start_tls_connection`); the version is pinned
and tests/checks/test_http_check.py times the phases of an https check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, cast

import aiohttp
from aiohappyeyeballs import AddrInfoType
from aiohttp.client_proto import ResponseHandler
from aiohttp.client_reqrep import ClientRequest

# Set by the check around its request: called once TCP is up and the handshake begins.
TLS_STARTING: ContextVar[Callable[[], None] | None] = ContextVar("tls_starting", default=None)
# Set by the check around its request: handed each new connection's transport, so the check
# can read the server's certificate (aiohttp lets go of a small response's connection early).
CONNECTED: ContextVar[Callable[[asyncio.BaseTransport], None] | None] = ContextVar(
    "connected", default=None
)


class PhasedConnector(aiohttp.TCPConnector):
    async def _wrap_create_connection(
        self,
        *args: Any,
        addr_infos: list[AddrInfoType],
        req: ClientRequest,
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 (aiohttp's signature)
        client_error: type[Exception] = aiohttp.ClientConnectorError,
        **kwargs: Any,
    ) -> tuple[asyncio.Transport, ResponseHandler]:
        # A trailing-dot host name is sent without its dot by the one-call path only.
        one_call = not kwargs.get("ssl") or req.host.endswith(".")
        plain = {k: v for k, v in kwargs.items() if k not in ("ssl", "server_hostname")}
        transport, protocol = await super()._wrap_create_connection(
            *args,
            addr_infos=addr_infos,
            req=req,
            timeout=timeout,
            client_error=client_error,
            **(kwargs if one_call else plain),
        )
        if one_call:
            _connected(transport)
            return transport, protocol
        if (starting := TLS_STARTING.get()) is not None:
            starting()
        tls, tls_protocol = await self._start_tls_connection(transport, req, timeout, client_error)
        _connected(tls)
        return cast(asyncio.Transport, tls), tls_protocol


def _connected(transport: asyncio.BaseTransport) -> None:
    if (listener := CONNECTED.get()) is not None:
        listener(transport)
