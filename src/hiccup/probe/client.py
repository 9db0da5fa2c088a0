"""The agent's two calls to the server, and nothing else.

Requests go only to the `--server` URLs: no redirects are followed and no proxy settings are
read from the environment, so a token is never sent anywhere else. Every call has timeouts.
With several servers (no load balancer in front), a failed call moves on to the next URL, so
the retry after it tries another server.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from pydantic import ValidationError

from hiccup.probe.wire import (
    ASSIGNMENTS_PATH,
    RESULTS_PATH,
    Assignments,
    BatchReceipt,
    ResultBatch,
)

log = logging.getLogger(__name__)

MAX_ASSIGNMENTS_BYTES = 16 * 1024 * 1024
MAX_REPLY_BYTES = 64 * 1024
# Not a verdict on the batch: the server (or the way to it) is busy, down, or refuses the
# token; the batch stays buffered and is sent again after the backoff.
_RETRY_4XX = frozenset({401, 403, 404, 405, 408, 409, 425, 429})


class ServerUnavailable(Exception):
    """The call failed for a reason that may pass: retry after a backoff."""

    def __init__(self, server: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{server}: {reason}")
        self.server, self.reason, self.status = server, reason, status

    @property
    def token_refused(self) -> bool:
        return self.status in (401, 403)


class BatchRefused(Exception):
    """The server refused this batch itself (4xx): sending it again cannot help."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status, self.reason = status, reason


@dataclass(frozen=True, slots=True)
class Fetched:
    assignments: Assignments | None  # None: unchanged since `etag` (304)
    etag: str | None


def server_url(raw: str) -> str:
    """A --server value as a base URL, or ValueError saying what is wrong with it."""
    url = raw.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a bad port
    except ValueError as error:
        raise ValueError(f"{raw!r} is not a URL ({error})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{raw!r}: use http://HOST[:PORT] or https://HOST[:PORT]")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{raw!r}: no query, fragment or user:password in a server URL")
    return url


class ProbeClient:
    def __init__(
        self,
        servers: list[str],
        token: str,
        region: str,
        *,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
    ) -> None:
        if not servers:
            raise ValueError("at least one server URL is needed")
        self.servers = [server_url(server) for server in servers]
        self._current = 0
        self._headers = {"Authorization": f"Bearer {token}", "User-Agent": "hiccup-probe"}
        self._params = {"region": region}
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)
        self._session: aiohttp.ClientSession | None = None

    @property
    def server(self) -> str:
        return self.servers[self._current]

    def next_server(self) -> None:
        self._current = (self._current + 1) % len(self.servers)

    async def assignments(self, etag: str | None) -> Fetched:
        headers = {"If-None-Match": etag} if etag else {}
        reply = await self._send("GET", ASSIGNMENTS_PATH, MAX_ASSIGNMENTS_BYTES, headers=headers)
        if reply.status == 304:
            return Fetched(None, etag)
        if reply.status != 200:
            raise self._unavailable(f"{reply.status} {_error_text(reply.body)}", reply.status)
        try:
            return Fetched(Assignments.model_validate_json(reply.body), reply.etag)
        except ValidationError as error:
            raise self._unavailable(f"unexpected assignments: {_first(error)}") from None

    async def upload(self, batch: ResultBatch) -> BatchReceipt:
        # None left out: a field added since (a certificate) then reaches only servers that know it.
        data = batch.model_dump_json(exclude_none=True).encode()
        headers = {"Content-Type": "application/json"}
        reply = await self._send("POST", RESULTS_PATH, MAX_REPLY_BYTES, data=data, headers=headers)
        if 400 <= reply.status < 500 and reply.status not in _RETRY_4XX:
            raise BatchRefused(reply.status, _error_text(reply.body))
        if not 200 <= reply.status < 300:
            raise self._unavailable(f"{reply.status} {_error_text(reply.body)}", reply.status)
        try:
            return BatchReceipt.model_validate_json(reply.body)
        except ValidationError as error:
            raise self._unavailable(f"unexpected receipt: {_first(error)}") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _send(
        self, method: str, path: str, cap: int, headers: dict[str, str], data: bytes | None = None
    ) -> _Reply:
        if self._session is None:
            # trust_env=False: no proxy named in the environment ever sees the token.
            self._session = aiohttp.ClientSession(timeout=self._timeout, trust_env=False)
        url = self.server + path
        try:
            async with self._session.request(
                method,
                url,
                params=self._params,
                headers={**self._headers, **headers},
                data=data,
                allow_redirects=False,
            ) as response:
                body = await _read_capped(response.content, cap)
                status, etag = response.status, response.headers.get("ETag")
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise self._unavailable(_describe(error)) from None
        if len(body) > cap:
            raise self._unavailable(f"{status} reply larger than {cap} bytes")
        return _Reply(status, body, etag)

    def _unavailable(self, reason: str, status: int | None = None) -> ServerUnavailable:
        return ServerUnavailable(self.server, reason, status)


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    body: bytes
    etag: str | None


async def _read_capped(stream: aiohttp.StreamReader, cap: int) -> bytes:
    """At most cap + 1 bytes: enough to tell a reply is too large without holding all of it."""
    chunks: list[bytes] = []
    size = 0
    while size <= cap:
        chunk = await stream.read(cap + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, aiohttp.ClientConnectorError):
        cause, number = error.os_error, error.os_error.errno or 0
        # "Connection refused" rather than asyncio's "Connect call failed ('10.0.0.1', 80)".
        reason = os.strerror(number) if number > 0 else cause.strerror
        return f"cannot connect: {reason or cause}"
    return str(error) or type(error).__name__


def _first(error: ValidationError) -> str:
    first = error.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc']) or 'body'}: {first['msg']}"


def _error_text(body: bytes) -> str:
    """The server's `{"error": {"code", "message"}}`, or the start of whatever it sent."""
    try:
        error = json.loads(body)["error"]
        return f"{error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return body[:200].decode("utf-8", "replace").strip() or "(no body)"
