"""The public hot path: a plain ASGI app in front of FastAPI that answers snapshot paths itself.

A status page read by a traffic spike must cost a dictionary lookup and two sends, not routing,
dependency injection and header assembly; everything else (health, pings, subscribe, admin,
the 404 page) falls through to the FastAPI app behind it.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from hiccup.auth.page_access import Admission
from hiccup.core.language import negotiate
from hiccup.snapshot.assets import HTML, Asset, Snapshot
from hiccup.snapshot.render import render_not_found
from hiccup.snapshot.wire import NOT_FOUND_CSP, STRICT_CSP, RawHeaders
from hiccup.web.public.live import LiveStream, SnapshotSource

_NOT_FOUND = render_not_found(None).encode()
_STARTING = b"Starting up; the status page will be here in a moment.\n"
_NOT_YET = b"Not available until the status database answers again.\n"
# A feed read back from disk that was never rendered comes with the database: the builder
# retries every few seconds, a feed reader need not.
_NOT_YET_RETRY = b"30"
_TEXT = b"text/plain; charset=utf-8"


def etag_matches(header: bytes, etag: str) -> bool:
    """If-None-Match against our strong ETag; anything malformed simply does not match."""
    text = header.decode("latin-1")
    candidates = {part.strip().removeprefix("W/") for part in text.split(",")}
    return etag in candidates or "*" in candidates


def _in_reader_language(snapshot: Snapshot, asset: Asset, headers: RawHeaders) -> Asset:
    """The variant the reader's Accept-Language prefers among the page's languages; the page's
    own language when the reader names none of them (or sends no header)."""
    for key, value in headers:
        if key == b"accept-language":
            own = snapshot.languages.get(asset.page or "", "en")
            offered = (own, *(code for code, _variant in asset.variants))
            chosen = negotiate(value.decode("latin-1"), offered)
            return asset if chosen is None else asset.in_language(chosen)
    return asset


def _host(headers: RawHeaders) -> str | None:
    for key, value in headers:
        if key == b"host":
            return value.decode("latin-1").rsplit(":", 1)[0].strip("[]").lower()
    return None


async def _send(send: Send, status: int, headers: RawHeaders, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _plain(status: int, body: bytes, *extra: tuple[bytes, bytes]) -> tuple[int, RawHeaders, bytes]:
    headers = [
        (b"content-type", _TEXT),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        (b"x-content-type-options", b"nosniff"),
        (b"content-security-policy", STRICT_CSP.encode()),
        *extra,
    ]
    return status, headers, body


async def _lifespan(receive: Receive, send: Send) -> None:
    # Alone (tests, benchmarks) there is nothing to start or stop.
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


class PublicServer:
    """Serves the holder's snapshot; `fallback` gets every request it does not answer."""

    def __init__(self, holder: SnapshotSource, fallback: ASGIApp | None = None) -> None:
        self.holder = holder
        self.fallback = fallback
        self.live = LiveStream(holder)
        # Other streams that must end when the server stops (the console's, /admin/live).
        self.closers: list[Callable[[], None]] = []

    def close_streams(self) -> None:
        """End every open stream now: the server is stopping and would wait for them."""
        self.live.close()
        for close in self.closers:
            close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path: str = scope["path"]
            if path == "/live" or (path.startswith("/p/") and path.endswith("/live")):
                await self._live(scope, receive, send, path)
                return
            snapshot = self.holder.current
            if snapshot is not None:
                asset = self._find(snapshot, scope, path)
                if asset is not None:
                    await self._answer(scope, send, snapshot, asset)
                    return
                page = self._waiting(snapshot, scope, path)
                if page is not None:
                    await self._not_yet(scope, send, snapshot, page)
                    return
        if self.fallback is not None:
            await self.fallback(scope, receive, send)
        elif scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif scope["type"] == "http":
            await self.not_found(scope, send)

    async def _live(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        """A page's own stream: at the root (or a host's root) the page there; under a prefix
        that page, behind its guard like its other responses."""
        snapshot = self.holder.current
        if snapshot is None:
            await self.live(scope, receive, send)
            return
        home = path.removesuffix("live")  # "/" or "/p/<slug>/"
        asset = self._find(snapshot, scope, home)
        if asset is None or (home != "/" and asset.page is None):
            await self.not_found(scope, send)
            return
        if asset.private and await self._turned_away(scope, send, snapshot, asset.page):
            return
        await self.live(scope, receive, send, asset.page)

    async def _turned_away(
        self, scope: Scope, send: Send, snapshot: Snapshot, page: str | None
    ) -> bool:
        """A private page's guard refuses the reader: answer so (401, 403 or 429)."""
        guard = snapshot.guards.get(page or "")
        client = scope.get("client")
        peer = client[0] if client else None
        headers = scope["headers"]
        admission = guard.admit(peer, headers) if guard else Admission.REFUSE
        if admission is Admission.ADMIT:
            return False
        wait = 1
        if guard is not None and admission is Admission.THROTTLED:
            wait = guard.retry_after(peer, headers)
        await self._refused(scope, send, page, admission, wait)
        return True

    def _find(self, snapshot: Snapshot, scope: Scope, path: str) -> Asset | None:
        host = _host(scope["headers"]) if snapshot.hosts else None
        found = snapshot.find(host, path)
        if found is None and len(path) > 1 and path.endswith("/"):
            found = snapshot.find(host, path.rstrip("/"))
        return found

    def _waiting(self, snapshot: Snapshot, scope: Scope, path: str) -> str | None:
        if not snapshot.pending:
            return None
        host = _host(scope["headers"]) if snapshot.hosts else None
        return snapshot.waiting(host, path)

    async def _not_yet(self, scope: Scope, send: Send, snapshot: Snapshot, page: str) -> None:
        """A response read back from disk without its body (a feed never rendered): 503, not
        404, past the page's guard like the rest of it."""
        if page in snapshot.guards and await self._turned_away(scope, send, snapshot, page):
            return
        status, headers, body = _plain(503, _NOT_YET, (b"retry-after", _NOT_YET_RETRY))
        await _send(send, status, headers, b"" if scope["method"] == "HEAD" else body)

    async def not_found(self, scope: Scope, send: Send) -> None:
        """The end of the line: 503 before the first snapshot, else a plain 404 page."""
        if self.holder.current is None:
            status, headers, body = _plain(503, _STARTING, (b"retry-after", b"2"))
        else:
            status, body = 404, _NOT_FOUND
            headers = [
                (b"content-type", HTML.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"content-security-policy", NOT_FOUND_CSP.encode()),
            ]
        await _send(send, status, headers, b"" if scope.get("method") == "HEAD" else body)

    async def _refused(
        self, scope: Scope, send: Send, page: str | None, admission: Admission, wait: int = 1
    ) -> None:
        if admission is Admission.THROTTLED:
            reply = _plain(
                429,
                b"Too many wrong passwords; try again later.\n",
                (b"retry-after", str(wait).encode()),
            )
        elif admission is Admission.ASK_PASSWORD:
            realm = f'Basic realm="{page}", charset="UTF-8"'.encode()
            reply = _plain(
                401, b"This status page needs a password.\n", (b"www-authenticate", realm)
            )
        else:
            reply = _plain(403, b"This status page is private.\n")
        status, headers, body = reply
        await _send(send, status, headers, b"" if scope["method"] == "HEAD" else body)

    async def _answer(self, scope: Scope, send: Send, snapshot: Snapshot, asset: Asset) -> None:
        if asset.private and await self._turned_away(scope, send, snapshot, asset.page):
            return
        headers = scope["headers"]
        if asset.variants:  # only a page that offers several languages pays for the choice
            asset = _in_reader_language(snapshot, asset, headers)
        match, packed = None, False
        for key, value in headers:
            if key == b"if-none-match":
                match = value
            elif key == b"accept-encoding":
                packed = b"gzip" in value
        wire = asset.wire
        if match is not None and etag_matches(match, asset.etag):
            await _send(send, 304, wire.unchanged, b"")
        elif scope["method"] == "HEAD":
            await _send(send, 200, wire.packed if packed else wire.plain, b"")
        elif packed:
            await _send(send, 200, wire.packed, asset.gzipped)
        else:
            await _send(send, 200, wire.plain, asset.body)
