"""Multipart mail assembled directly as bytes.

The standard library's `email` objects cost about a millisecond and a half per message (header
registry, folding, then re-parsing when sent), which is most of a 10,000-mail fan-out. Hiccup
writes every part of its mail itself, so it can write the bytes itself: ASCII headers as they
are, others as RFC 2047 encoded words, both bodies quoted-printable (binascii, in C).
"""

from __future__ import annotations

import binascii
import hashlib
from dataclasses import dataclass
from email.header import Header
from email.utils import getaddresses


@dataclass(frozen=True, slots=True)
class Mail:
    sender: str  # the envelope sender: a bare address
    recipients: tuple[str, ...]
    data: bytes


def _header_value(value: str) -> str:
    value = " ".join(value.split())  # no CR/LF can start a header of its own
    if value.isascii():
        return value
    return Header(value, "utf-8", maxlinelen=76).encode()


def _address_list(value: str) -> str:
    """'Flexo Status <s@x>' with a non-ASCII name keeps its address readable."""
    parts = []
    for name, address in getaddresses([value]):
        parts.append(f"{_header_value(name)} <{address}>" if name else address)
    return ", ".join(parts)


def _quoted_printable(text: str) -> bytes:
    body = binascii.b2a_qp(text.replace("\r\n", "\n").encode(), istext=True)
    return body.replace(b"\n", b"\r\n")


def build(headers: dict[str, str], text: str, html: str) -> bytes:
    """A multipart/alternative message; `From`, `To` and `Cc` are address lists."""
    seed = (headers.get("Message-ID", "") + text[:64]).encode()
    boundary = "=_hiccup_" + hashlib.sha256(seed).hexdigest()[:24]
    lines = []
    for name, value in headers.items():
        written = _address_list(value) if name in ("From", "To", "Cc") else _header_value(value)
        lines.append(f"{name}: {written}")
    lines += [
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "",
        f"--{boundary}",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
    ]
    head = "\r\n".join(lines).encode() + b"\r\n"
    html_head = (
        f"\r\n--{boundary}\r\n"
        'Content-Type: text/html; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + _quoted_printable(text) + html_head + _quoted_printable(html) + tail


def envelope_address(value: str) -> str:
    return getaddresses([value])[0][1]
