"""Behind a reverse proxy, the client is who the proxy says, and only a trusted proxy.

Every request's peer would otherwise be the proxy itself: the admin's login throttle would lock
everyone out after 20 failures from anyone, the audit log would record the proxy, and the
subscribe form's per-client limit would count all visitors as one. So when the peer lies in
`trusted_proxies`, the ASGI scope's client becomes the right-most X-Forwarded-For address that
is not a trusted proxy (what the client wrote further left proves nothing). Without the
setting, or from any other peer, the header is ignored.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from hiccup.auth.page_access import IpNetwork, client_address


class TrustedProxies:
    def __init__(self, app: ASGIApp, proxies: Sequence[IpNetwork]) -> None:
        self.app = app
        self.proxies = tuple(proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = self._with_client(scope)
        await self.app(scope, receive, send)

    def _with_client(self, scope: Scope) -> Scope:
        peer = scope.get("client")
        host = peer[0] if peer else None
        address = client_address(host, scope.get("headers", ()), self.proxies)
        if address is None or str(address) == host:
            return scope  # not from a proxy, or a garbled chain: the peer it is
        return {**scope, "client": (str(address), 0)}
