"""The outermost layer of every request, in front of the public server, the admin and the API.

Request bodies are capped here, before any route, authentication or parser runs: a client that
announces a body over the limit is answered 413 without a byte of it being read, and a body
sent without a length (chunked) is read only up to the limit. Without this a 100 MB POST to an
API route was read whole into memory before its 401.

Every answer leaving the process also passes here, so it is where the security headers are made
complete (an unhandled exception's 500 from Starlette carries none) and where
Strict-Transport-Security is added when the page is served over https.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

_FORMS = (b"application/x-www-form-urlencoded", b"multipart/form-data")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
RawHeaders = list[tuple[bytes, bytes]]


class TooLarge(Exception):
    """The body went past the limit while it was being read."""


def hsts_value(page_url: str, max_age: int, *, include_subdomains: bool = False) -> str | None:
    """The Strict-Transport-Security header for a page at `page_url`, or None: only a page
    served over https may pin browsers to https, and max_age 0 turns it off."""
    if max_age <= 0 or not page_url.lower().startswith("https://"):
        return None
    return f"max-age={max_age}" + ("; includeSubDomains" if include_subdomains else "")


class Edge:
    def __init__(
        self,
        app: ASGIApp,
        *,
        headers: Mapping[str, str],
        max_body: int,
        max_form: int,
    ) -> None:
        self.app = app
        self.headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
        ]
        self.max_body = max_body
        self.max_form = max_form

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = self._complete(message.get("headers", []))
            await send(message)

        try:
            receive = await self._capped(scope, receive)
        except TooLarge as error:
            await _refuse(scope, send_with_headers, 413, str(error))
            return
        except ValueError as error:
            await _refuse(scope, send_with_headers, 400, str(error))
            return
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if started:
                raise
            # Starlette answers its own routes' exceptions, but not without the headers, and
            # nothing at all answers one raised in front of it.
            log.exception("unhandled error answering %s %s", scope["method"], scope["path"])
            await _refuse(scope, send_with_headers, 500, "internal server error")

    def _complete(self, headers: RawHeaders) -> RawHeaders:
        present = {name.lower() for name, _ in headers}
        missing = [(k, v) for k, v in self.headers if k not in present]
        return [*headers, *missing] if missing else list(headers)

    async def _capped(self, scope: Scope, receive: Receive) -> Receive:
        """The receive to hand on: unchanged for a body whose announced length fits; a
        replay of the body read here for one without a length; TooLarge past the limit."""
        limit, length, chunked = self.max_body, None, False
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                chunked = True
            elif name == b"content-type" and value.split(b";")[0].strip().lower() in _FORMS:
                limit = self.max_form
        if length is not None and not chunked:
            if not length.strip().isdigit():
                raise ValueError("bad Content-Length")
            if int(length) > limit:
                raise TooLarge(f"request body over {limit} bytes")
            return receive  # the server delivers no more than the announced length
        if not chunked and scope["method"] not in _BODY_METHODS:
            return receive
        return await _read_up_to(receive, limit)


async def _read_up_to(receive: Receive, limit: int) -> Receive:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            first = message  # the client left: let the app see it
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"request body over {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            first = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            break
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return first

    return replay


async def _refuse(scope: Scope, send: Send, status: int, message: str) -> None:
    codes = {400: "bad_request", 413: "payload_too_large", 500: "internal_error"}
    if scope["path"].startswith("/api/"):
        body = json.dumps({"error": {"code": codes[status], "message": message, "fields": {}}})
        kind = b"application/json"
    else:
        body, kind = message.capitalize() + "\n", b"text/plain; charset=utf-8"
    data = body.encode()
    headers = [
        (b"content-type", kind),
        (b"content-length", str(len(data)).encode()),
        (b"cache-control", b"no-store"),
    ]
    if status != 500:
        # The rest of the body is never read: the connection cannot carry another request.
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else data})
