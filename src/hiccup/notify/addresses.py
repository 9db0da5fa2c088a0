"""Is an address somewhere on the public internet? The private-address guard of outbound
requests (hiccup.notify.http) and of the URLs people type in (webhook sign-up) asks here.

An IPv6 address can carry an IPv4 address inside it, and the network delivers to that IPv4
address: IPv4-mapped (`::ffff:127.0.0.1`), IPv4-translated (`::ffff:0:127.0.0.1`), the
deprecated IPv4-compatible form (`::127.0.0.1`), NAT64 (`64:ff9b::127.0.0.1`) and 6to4
(`2002:7f00:1::`). Judged as IPv6 they looked global, so `http://[::ffff:10.0.0.1]/` reached
the private network; each is judged as the IPv4 address inside.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_EMBEDDING = (
    ipaddress.IPv6Network("::ffff:0:0/96"),  # IPv4-mapped
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated (RFC 2765)
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64 well-known prefix (RFC 6052)
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated); holds :: and ::1 too
)
# Local-use NAT64 (RFC 8215): translated by the operator's own gateway, never public.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address delivers to, if it embeds one."""
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in network for network in _EMBEDDING):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def effective_address(address: str | IpAddress) -> IpAddress:
    """The address a packet really goes to: the IPv4 inside an embedding IPv6 form."""
    ip = address if not isinstance(address, str) else ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        return embedded_ipv4(ip) or ip
    return ip


def is_public(address: str | IpAddress) -> bool:
    """Globally reachable unicast: not private, loopback, link-local, shared (CGNAT),
    reserved, multicast or unspecified, in any of its IPv6 spellings."""
    ip = effective_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip in _LOCAL_NAT64:
        return False
    return ip.is_global and not ip.is_multicast


def refuse_private_url(url: str) -> None:
    """Raise ValueError unless `url` is http(s) and its host is, and resolves only to, public
    addresses. Resolves the name (blocking: from async code call it through
    `asyncio.to_thread`) but connects nowhere. A sign-up check: the guard at delivery time
    (hiccup.notify.http) still checks the address connected to, against DNS rebinding."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host name")
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValueError("has a port that is not a number from 0 to 65535") from None
    for address in _addresses(host, port):
        if not is_public(address):
            shown = host if host == address else f"{host} ({address})"
            raise ValueError(
                f"points to {shown}, a private, local or reserved address; "
                "use an address reachable from the internet"
            )


def _addresses(host: str, port: int) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host.split("%")[0]))]
    except ValueError:
        pass  # a name
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ValueError(f"has a host name that does not resolve: {host}") from None
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in found))
