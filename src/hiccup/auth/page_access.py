"""Who may read a private page: readers from allowed networks, else readers with the password.

The client's address is the socket's peer. X-Forwarded-For is believed only when that peer is
a configured trusted proxy, and then only up to the first address that is not a trusted proxy
(the right-most untrusted hop): anything left of it was written by the client and proves nothing.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
RawHeaders = Iterable[tuple[bytes, bytes]]


class Admission(StrEnum):
    ADMIT = "admit"
    ASK_PASSWORD = "ask_password"  # 401 with a Basic challenge
    REFUSE = "refuse"  # 403: no password would help


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


@dataclass(frozen=True, slots=True)
class Guard:
    slug: str
    password: str | None = None  # None: the password route is closed
    networks: tuple[IpNetwork, ...] = ()
    proxies: tuple[IpNetwork, ...] = ()

    def client(self, peer: str | None, headers: RawHeaders) -> IpAddress | None:
        return client_address(peer, headers, self.proxies)

    def _password_ok(self, headers: RawHeaders) -> bool:
        if self.password is None:
            return False
        value = _header(headers, b"authorization") or ""
        scheme, _, encoded = value.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        _user, _, given = decoded.partition(":")
        # Constant time: how long the comparison takes must not tell how much of it matched.
        return hmac.compare_digest(given.encode(), self.password.encode())

    def admit(self, peer: str | None, headers: RawHeaders) -> Admission:
        if self.networks and _within(self.client(peer, headers), self.networks):
            return Admission.ADMIT
        if self.password is None:
            return Admission.REFUSE
        return Admission.ADMIT if self._password_ok(headers) else Admission.ASK_PASSWORD


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
