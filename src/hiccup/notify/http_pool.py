"""The aiohttp half of `HttpSender`: its connection pools, the guarding resolver and the
redirect walk. Its own module so aiohttp (about 14 MB of a server's memory) is imported when
the first notification is sent, not by every `hiccup serve` that never sends one.

The guard sits in the resolver, so the address checked is the address connected to: a name
that resolves to a public address for the check and a private one for the connection (DNS
rebinding) cannot slip through. Redirects are followed by hand so every hop is checked.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from hiccup import __version__
from hiccup.notify.addresses import is_public
from hiccup.notify.errors import NotifyError

USER_AGENT = f"Hiccup/{__version__} (notifications)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_READ_CAP = 64 * 1024  # an answer is only kept for the error message


class PrivateAddressError(OSError):
    """The name leads only to private or local addresses."""


class PublicOnlyResolver(AbstractResolver):
    """Resolves like the system resolver, then refuses names that lead to private addresses."""

    def __init__(self) -> None:
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        public = [r for r in found if is_public(r["host"])]
        if not public:
            raise PrivateAddressError(f"{host} resolves only to private or local addresses")
        return public

    async def close(self) -> None:
        await self._inner.close()


class Pools:
    """The two connection pools (guarded and not), each made on first use."""

    def __init__(self) -> None:
        self._sessions: dict[bool, aiohttp.ClientSession] = {}

    def _session(self, guard: bool) -> aiohttp.ClientSession:
        session = self._sessions.get(guard)
        if session is None or session.closed:
            resolver = PublicOnlyResolver() if guard else None
            connector = aiohttp.TCPConnector(limit=256, limit_per_host=16, resolver=resolver)
            session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": USER_AGENT})
            self._sessions[guard] = session
        return session

    async def close(self) -> None:
        for session in self._sessions.values():
            await session.close()
        self._sessions.clear()

    async def follow(
        self, url: str, body: bytes, headers: dict[str, str], hops: int, private_ok: bool
    ) -> tuple[int, str]:
        """POST, following up to `hops` redirects: the last answer's status and text."""
        try:
            return await self._follow(url, body, headers, hops, private_ok)
        except aiohttp.ClientError as error:
            # aiohttp wraps the resolver's refusal; a refused address will not become public.
            refused = isinstance(getattr(error, "os_error", None), PrivateAddressError)
            raise NotifyError(f"{type(error).__name__}: {error}"[:300], permanent=refused) from None

    async def _follow(
        self, url: str, body: bytes, headers: dict[str, str], hops: int, private_ok: bool
    ) -> tuple[int, str]:
        session = self._session(not private_ok)
        for _ in range(hops + 1):
            _check_url(url, private_ok)
            async with session.post(
                url, data=body, headers=headers, allow_redirects=False
            ) as reply:
                text = (await reply.content.read(_READ_CAP)).decode("utf-8", "replace")
                if reply.status in _REDIRECTS and "Location" in reply.headers:
                    url = urljoin(url, reply.headers["Location"])
                    continue
                return reply.status, text
        raise NotifyError(f"more than {hops} redirects")


def _check_url(url: str, private_ok: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotifyError(f"not an http(s) URL: {url[:200]}", permanent=True)
    if private_ok:
        return
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return  # a name: the resolver checks where it leads
    # aiohttp does not ask the resolver about IP literals, so they are checked here.
    if not is_public(str(literal)):
        raise NotifyError(f"{parts.hostname} is a private or local address", permanent=True)
