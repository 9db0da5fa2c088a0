"""Security headers on every response: whatever a route sets itself is kept (the admin sends
its own stricter CSP), anything missing is added from the public page's set.

Pure ASGI rather than BaseHTTPMiddleware: the public page answers thousands of requests a
second and this only scans a short header list per response.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SecurityHeaders:
    def __init__(self, app: ASGIApp, headers: Mapping[str, str]) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                missing = [(k, v) for k, v in self.headers if k not in present]
                if missing:
                    message["headers"] = [*message.get("headers", []), *missing]
            await send(message)

        await self.app(scope, receive, send_with_headers)
