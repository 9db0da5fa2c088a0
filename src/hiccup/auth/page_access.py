"""Who may read a private page: readers from allowed networks, else readers with the password.

The client's address is the socket's peer. X-Forwarded-For is believed only when that peer is
a configured trusted proxy, and then only up to the first address that is not a trusted proxy
(the right-most untrusted hop): anything left of it was written by the client and proves nothing.

Wrong passwords are throttled like the admin login, per client and per page: past the free
failures the guard answers THROTTLED (429 with Retry-After) without looking at the password.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from hiccup.auth.memory_throttle import MemoryThrottle
from hiccup.auth.throttle import PAGE_CLIENT_RULE, PAGE_RULE

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
RawHeaders = Iterable[tuple[bytes, bytes]]


class Admission(StrEnum):
    ADMIT = "admit"
    ASK_PASSWORD = "ask_password"  # 401 with a Basic challenge
    REFUSE = "refuse"  # 403: no password would help
    THROTTLED = "throttled"  # 429: too many wrong passwords; see Guard.retry_after


def parse_address(text: str | None) -> IpAddress | None:
    if not text:
        return None
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _within(address: IpAddress | None, networks: Sequence[IpNetwork]) -> bool:
    return address is not None and any(address in network for network in networks)


def _header(headers: RawHeaders, name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


def _basic_password(headers: RawHeaders) -> str | None:
    """The password of HTTP Basic credentials; None when none were sent, "" when garbled."""
    value = _header(headers, b"authorization") or ""
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


@dataclass(frozen=True, slots=True)
class Guard:
    slug: str
    password: str | None = None  # None: the password route is closed
    networks: tuple[IpNetwork, ...] = ()
    proxies: tuple[IpNetwork, ...] = ()
    # One per page for the life of the process: the site and its guards are built once at start.
    throttle: MemoryThrottle = field(default_factory=MemoryThrottle, compare=False, repr=False)

    def client(self, peer: str | None, headers: RawHeaders) -> IpAddress | None:
        return client_address(peer, headers, self.proxies)

    def _keys(self, client: IpAddress | None) -> tuple[str, str]:
        return f"client:{client}", "page"

    def admit(self, peer: str | None, headers: RawHeaders) -> Admission:
        client = self.client(peer, headers)
        if self.networks and _within(client, self.networks):
            return Admission.ADMIT
        if self.password is None:
            return Admission.REFUSE
        given = _basic_password(headers)
        if given is None:
            return Admission.ASK_PASSWORD  # a first visit: no guess made, nothing to count
        now = self.throttle.clock.now()
        client_key, page_key = self._keys(client)
        if self.throttle.locked_until([client_key, page_key], now) is not None:
            return Admission.THROTTLED
        # Constant time: how long the comparison takes must not tell how much of it matched.
        if hmac.compare_digest(given.encode(), self.password.encode()):
            self.throttle.clear(client_key)
            return Admission.ADMIT
        locked = [
            self.throttle.record_failure(client_key, PAGE_CLIENT_RULE, now),
            self.throttle.record_failure(page_key, PAGE_RULE, now),
        ]
        return Admission.THROTTLED if any(locked) else Admission.ASK_PASSWORD

    def retry_after(self, peer: str | None, headers: RawHeaders) -> int:
        """Whole seconds until a THROTTLED client may try again (at least 1)."""
        now = self.throttle.clock.now()
        until = self.throttle.locked_until(list(self._keys(self.client(peer, headers))), now)
        wait = (until - now).total_seconds() if until is not None else 0
        return max(1, math.ceil(wait))


def client_address(
    peer: str | None, headers: RawHeaders, proxies: Sequence[IpNetwork]
) -> IpAddress | None:
    """The client's address: the peer, or behind trusted proxies the right-most untrusted hop."""
    address = parse_address(peer)
    if not proxies or not _within(address, proxies):
        return address
    forwarded = _header(headers, b"x-forwarded-for")
    hops = [parse_address(h) for h in (forwarded or "").split(",")]
    for hop in reversed(hops):
        if hop is None:
            return None  # a garbled chain proves nothing
        if not _within(hop, proxies):
            return hop
    return address


def networks(values: Iterable[str]) -> tuple[IpNetwork, ...]:
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)
