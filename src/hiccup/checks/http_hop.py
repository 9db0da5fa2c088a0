"""One request of an http check on libcurl: what to send, and what one hop of it learnt.

The check follows redirects itself (see http.py), one hop at a time, so each hop's phases add
up the way they always did and the check decides which redirects it takes. A hop opens a
fresh connection (FRESH_CONNECT, FORBID_REUSE), as a new visitor does: a reused keep-alive
socket would hide a server that no longer accepts connections and make `connect` meaningless.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Literal

import pycurl

from hiccup.checks.certificate import CertificateInfo, certificate_info
from hiccup.checks.curl_multi import CurlMulti

# Long enough that thousands of monitors on one host share a lookup, short enough that a DNS
# change or outage shows up within a few check intervals. curl keeps one cache per multi.
_DNS_CACHE_SECONDS = 10
# Enough of a reply that is not HTTP to tell an operator what answered instead.
_HEAD_BYTES = 120


@dataclass(frozen=True, slots=True)
class Request:
    """What one hop sends; `body` None sends none."""

    url: str
    method: str
    headers: tuple[str, ...]  # "Name: value" lines, as curl takes them
    body: bytes | None
    verify_tls: bool
    user_agent: str

    @property
    def https(self) -> bool:
        return self.url[:6].lower() == "https:"


class Body:
    """The hop's write and header callbacks: keeps at most `cap` bytes, and only if asked.

    Returning short from the write callback makes curl abort the transfer (E_WRITE_ERROR),
    so memory is bounded by the cap plus one read buffer whatever the server sends.
    """

    __slots__ = ("cap", "head", "headers", "keep", "kept", "overflow", "seen")

    def __init__(self, cap: int, keep: bool) -> None:
        self.cap, self.keep = cap, keep
        self.kept = bytearray()
        self.seen = 0
        self.overflow = False
        # Header lines as they come; curl only hands them over for a real status line.
        self.headers = bytearray()
        # The first bytes of a reply with no status line at all (HTTP/0.9 to curl).
        self.head: bytes | None = None

    def write(self, chunk: bytes) -> int | None:
        if not self.headers:
            self.head = chunk[:_HEAD_BYTES]
            return 0
        self.seen += len(chunk)
        if self.keep:
            self.kept += chunk[: self.cap - len(self.kept)]
        if self.seen > self.cap:
            self.overflow = True
            return 0
        return None


@dataclass(frozen=True, slots=True)
class Hop:
    """What one request learnt: curl's result code and everything read off the handle."""

    code: int
    status: int | None
    location: str | None
    phases: dict[str, float]  # this hop's, in ms
    certificate: CertificateInfo | None  # https only
    error_text: str  # curl's words for a failure
    os_errno: int  # the socket's errno for a failure, 0 when there was none
    content_type: str | None


async def fetch(
    multi: CurlMulti, request: Request, seconds: float, body: Body, *, ip_host: bool
) -> Hop:
    """Run one request within `seconds`; never raises for what the target does."""
    handle = _easy(request, seconds, body)
    try:
        code = await multi.perform(handle)
        return _read(handle, code, request.https, ip_host=ip_host)
    finally:
        handle.close()


def _easy(request: Request, seconds: float, body: Body) -> pycurl.Curl:
    handle = pycurl.Curl()
    setopt = handle.setopt
    setopt(pycurl.URL, request.url)
    setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
    setopt(pycurl.NOSIGNAL, 1)
    # Like the aiohttp client it replaced: no proxy from the environment, HTTP/1.1.
    setopt(pycurl.PROXY, "")
    setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
    setopt(pycurl.FRESH_CONNECT, 1)
    setopt(pycurl.FORBID_REUSE, 1)
    setopt(pycurl.DNS_CACHE_TIMEOUT, _DNS_CACHE_SECONDS)
    setopt(pycurl.TIMEOUT_MS, max(1, round(seconds * 1000)))
    setopt(pycurl.USERAGENT, request.user_agent)
    # Let a reply without a status line through to `Body`, which keeps its first bytes and
    # stops: the error can then say what answered (an SSH banner, a Redis greeting...).
    setopt(pycurl.HTTP09_ALLOWED, 1)
    setopt(pycurl.HEADERFUNCTION, body.headers.extend)
    setopt(pycurl.WRITEFUNCTION, body.write)
    if body.keep:
        setopt(pycurl.ACCEPT_ENCODING, "")  # the keyword is looked for in the decoded text
    _set_method(handle, request)
    if request.headers:
        setopt(pycurl.HTTPHEADER, list(request.headers))
    if request.https:
        _set_tls(handle, request.verify_tls)
    return handle


def _set_method(handle: pycurl.Curl, request: Request) -> None:
    if request.body is not None:
        handle.setopt(pycurl.POSTFIELDSIZE, len(request.body))
        handle.setopt(pycurl.COPYPOSTFIELDS, request.body)
    if request.method == "HEAD":
        handle.setopt(pycurl.NOBODY, 1)
    elif request.method != ("POST" if request.body is not None else "GET"):
        handle.setopt(pycurl.CUSTOMREQUEST, request.method)


def _set_tls(handle: pycurl.Curl, verify: bool) -> None:
    handle.setopt(pycurl.OPT_CERTINFO, 1)
    # A full handshake every time, as a new visitor makes (and as before): a resumed session
    # would time less than a visitor waits, and curl gives no certificate for it.
    handle.setopt(pycurl.SSL_SESSIONID_CACHE, 0)
    if not verify:
        handle.setopt(pycurl.SSL_VERIFYPEER, 0)
        handle.setopt(pycurl.SSL_VERIFYHOST, 0)
        return
    cafile, capath = _trust_store()
    if cafile is not None:
        handle.setopt(pycurl.CAINFO, cafile)
    if capath is not None:
        handle.setopt(pycurl.CAPATH, capath)


def _trust_store() -> tuple[str | None, str | None]:
    """The CA file and folder Python's ssl trusts (SSL_CERT_FILE/SSL_CERT_DIR included), read
    per request as the aiohttp client did: the libcurl inside pycurl's wheel was built on
    another system and would look in that system's places."""
    paths = ssl.get_default_verify_paths()
    return paths.cafile, paths.capath


_Phase = Literal["dns", "connect", "tls", "first_byte"]


def _read(handle: pycurl.Curl, code: int, https: bool, *, ip_host: bool) -> Hop:
    status = int(handle.getinfo(pycurl.RESPONSE_CODE)) or None
    failed = code != pycurl.E_OK
    content_type = handle.getinfo(pycurl.CONTENT_TYPE)
    return Hop(
        code=code,
        status=status,
        location=(handle.getinfo(pycurl.REDIRECT_URL) or None) if status is not None else None,
        phases=_phases(handle, https, ip_host=ip_host),
        certificate=_certificate(handle) if https else None,
        error_text=handle.errstr() if failed else "",
        os_errno=int(handle.getinfo(pycurl.OS_ERRNO)) if failed else 0,
        content_type=content_type if isinstance(content_type, str) else None,
    )


def _phases(handle: pycurl.Curl, https: bool, *, ip_host: bool) -> dict[str, float]:
    """Durations that stack, in ms, from curl's marks (seconds since the hop started, 0 for a
    mark not reached): the phase a failure cut short runs to the end of the hop."""
    marks: list[tuple[_Phase, int]] = []
    if not ip_host:  # an IP address is "looked up" in microseconds: that is connect's time
        marks.append(("dns", pycurl.NAMELOOKUP_TIME_T))
    marks.append(("connect", pycurl.CONNECT_TIME_T))
    if https:
        marks.append(("tls", pycurl.APPCONNECT_TIME_T))
    marks.append(("first_byte", pycurl.STARTTRANSFER_TIME_T))
    spent: dict[str, float] = {}
    before = 0
    for phase, info in marks:
        mark = int(handle.getinfo(info))  # microseconds
        if mark == 0:
            spent[phase] = max(0, int(handle.getinfo(pycurl.TOTAL_TIME_T)) - before) / 1000
            break
        spent[phase] = max(0, mark - before) / 1000
        before = mark
    return spent


def _certificate(handle: pycurl.Curl) -> CertificateInfo | None:
    """The server's certificate, from curl's certificate info (its PEM text)."""
    chain = handle.getinfo(pycurl.INFO_CERTINFO)
    if not chain:
        return None
    for name, value in chain[0]:  # the server's own certificate comes first
        if name == "Cert":
            try:
                return certificate_info(value)
            except ValueError:  # OpenSSL accepted what cryptography finds malformed
                return None
    return None
