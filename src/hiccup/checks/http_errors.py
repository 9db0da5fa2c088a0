"""Short human words for how a curl transfer ended, worded as the checks have always worded them
(socket failures read the same as the tcp kind's, see tcp.describe_os_error)."""

from __future__ import annotations

import logging
import re

import pycurl

from hiccup.checks.http_hop import Hop
from hiccup.checks.tcp import describe_os_error, timed_out

log = logging.getLogger(__name__)

_SOCKET = frozenset({pycurl.E_COULDNT_CONNECT, pycurl.E_RECV_ERROR, pycurl.E_SEND_ERROR})
_TLS = frozenset(
    {
        pycurl.E_SSL_CONNECT_ERROR,
        pycurl.E_SSL_CERTPROBLEM,
        pycurl.E_SSL_CIPHER,
        pycurl.E_SSL_CACERT_BADFILE,
        pycurl.E_SSL_ENGINE_INITFAILED,
        pycurl.E_SSL_SHUTDOWN_FAILED,
    }
)
# E_FTP_WEIRD_SERVER_REPLY is CURLE_WEIRD_SERVER_REPLY (8) under its old name.
_RESPONSE = frozenset({pycurl.E_FTP_WEIRD_SERVER_REPLY, pycurl.E_UNSUPPORTED_PROTOCOL})
_BODY = frozenset({pycurl.E_PARTIAL_FILE, pycurl.E_BAD_CONTENT_ENCODING})
# "SSL certificate OpenSSL verify result: unable to get local issuer certificate (20)"
_VERIFY_RESULT = re.compile(r"verify result: (?P<reason>.+?)(?: \(\d+\))?$")
# "TLS connect error: error:0A00010B:SSL routines::wrong version number"
_OPENSSL_REASON = re.compile(r"error:[0-9A-F]+:[^:]*:[^:]*:(?P<reason>.+)$")


def describe(hop: Hop, host: str, seconds: float) -> str:
    """Why the hop failed, for a code other than E_OK and E_WRITE_ERROR (the body's own)."""
    code, text = hop.code, one_line(hop.error_text)
    if code == pycurl.E_OPERATION_TIMEDOUT:
        return timed_out(seconds)
    if code == pycurl.E_COULDNT_RESOLVE_HOST:
        return f"DNS lookup failed: {host!r} cannot be resolved"
    if code in _SOCKET and hop.os_errno:
        return describe_os_error(OSError(hop.os_errno, ""))
    if code == pycurl.E_PEER_FAILED_VERIFICATION:
        match = _VERIFY_RESULT.search(text)
        return f"TLS certificate verify failed: {match['reason'] if match else text}"
    if code in _TLS:
        match = _OPENSSL_REASON.search(text)
        return f"TLS error: {match['reason'].lower() if match else text}"
    if code == pycurl.E_GOT_NOTHING:
        return "server closed the connection without a response"
    if code in _RESPONSE:
        return f"invalid HTTP response: {text}"
    if code in _BODY:
        return f"invalid HTTP response body: {text}"
    if code in _SOCKET:
        return text.lower() or "connection failed"
    if code == pycurl.E_ABORTED_BY_CALLBACK:
        return "the check was stopped (Hiccup is shutting down)"
    log.info("http check: curl error %d: %s", code, text)
    return f"HTTP client error: {text or f'curl error {code}'}"


def not_http(head: bytes) -> str:
    """A reply without a status line: what it began with, so the operator sees who answered."""
    began = head.decode("utf-8", errors="replace")
    return f"invalid HTTP response: no status line; it began {one_line(repr(began))}"


def one_line(text: str, limit: int = 160) -> str:
    """One line of at most `limit` characters."""
    joined = " ".join(text.split())
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"
