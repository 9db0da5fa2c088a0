"""The options of kind "dns", apart from dnspython so that validating a config (every
`hiccup serve` does) does not import it.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator

from hiccup.checks.base import CheckOptions

RecordType = Literal["A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA", "SRV", "PTR", "CAA"]


def parse_resolver(value: str) -> tuple[str, int]:
    """'ip', 'ip:port', a bare IPv6 address or '[v6]:port' -> (ip, port)."""
    text, port = value.strip(), "53"
    if text.startswith("["):
        text, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") if rest.startswith(":") else ("" if rest else "53")
    elif text.count(":") == 1:
        text, port = text.split(":")
    try:
        address, number = ipaddress.ip_address(text), int(port)
    except ValueError:
        raise ValueError(f"invalid resolver {value!r} (expected ip or ip:port)") from None
    if not 0 < number < 65536:
        raise ValueError(f"invalid resolver {value!r} (port out of range)")
    return address.compressed, number


class DnsOptions(CheckOptions):
    record_type: RecordType = "A"
    expected: list[str] = Field(default_factory=list)
    resolver: str | None = None
    transport: Literal["udp", "tcp"] = "udp"

    @field_validator("resolver")
    @classmethod
    def _valid_resolver(cls, value: str | None) -> str | None:
        if value is not None:
            parse_resolver(value)
        return value
