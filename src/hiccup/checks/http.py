"""Kind "http": fetch a URL and judge the status, the body and how long each phase took.

Phases are durations that stack (as in the Node `request` library's timingPhases):
`dns` name lookup, `connect` TCP connect, `tls` the TLS handshake (https only; see
`http_connector`), `first_byte` from the connection being ready until the response headers
arrived, and `total`. Redirect hops add to the same phases. `dns` is absent when the target is
an IP address or the name came from the resolver cache.

The body is read up to `max_body_bytes`. A longer body is not a failure in itself (an endless
stream must not be punished for being endless); a required keyword must appear within the cap,
and a forbidden one is only looked for within it.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import time
from collections.abc import Awaitable, Callable
from functools import partial
from types import SimpleNamespace
from typing import Annotated, ClassVar, Literal
from urllib.parse import urlsplit

import aiohttp
from pydantic import Field, ValidationError

from hiccup import __version__
from hiccup.checks.base import CheckOptions, CheckResult
from hiccup.checks.certificate import CertificateInfo, certificate_info
from hiccup.checks.http_connector import CONNECTED, TLS_STARTING, PhasedConnector
from hiccup.checks.registry import invalid_options, register
from hiccup.checks.tcp import describe_os_error, timed_out
from hiccup.core.monitors import MonitorSpec

log = logging.getLogger(__name__)

USER_AGENT = f"Hiccup/{__version__} (uptime check)"

# Long enough that thousands of monitors on one host share a lookup, short enough that a DNS
# change or outage shows up within a few check intervals.
_DNS_CACHE_SECONDS = 10

StatusCode = Annotated[int, Field(ge=100, le=599)]


class HttpOptions(CheckOptions):
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    expected_status: list[StatusCode] = Field(default_factory=list)  # empty: any 2xx or 3xx
    keyword: str | None = Field(default=None, min_length=1)
    keyword_absent: str | None = Field(default=None, min_length=1)
    follow_redirects: bool = True
    max_redirects: int = Field(default=10, ge=0, le=100)
    verify_tls: bool = True
    # Bounded because up to `concurrency` bodies may be held at once.
    max_body_bytes: int = Field(default=1_048_576, ge=1, le=64 * 1_048_576)


class _Record:
    """What one run has learnt so far; lives outside the request so a timeout keeps it.

    Exactly one phase runs at a time and `switch` closes it, which is what makes phases stack.
    """

    __slots__ = ("certificate", "current", "since", "spent", "status")

    def __init__(self) -> None:
        self.current: str | None = None
        self.since = 0.0
        self.spent: dict[str, float] = {}
        self.status: int | None = None
        self.certificate: CertificateInfo | None = None  # after redirects, the last host's

    def connected(self, transport: asyncio.BaseTransport) -> None:
        self.certificate = _peer_certificate(transport)

    def switch(self, phase: str | None, *, discard: bool = False) -> None:
        now = time.perf_counter()
        if self.current is not None and not discard:
            elapsed_ms = (now - self.since) * 1000
            self.spent[self.current] = self.spent.get(self.current, 0.0) + elapsed_ms
        self.current, self.since = phase, now


Hook = Callable[[aiohttp.ClientSession, SimpleNamespace, object], Awaitable[None]]


def _switch_to(phase: str | None, *, discard: bool = False) -> Hook:
    async def hook(session: aiohttp.ClientSession, ctx: SimpleNamespace, params: object) -> None:
        record = ctx.trace_request_ctx
        if isinstance(record, _Record):
            record.switch(phase, discard=discard)

    return hook


async def _on_redirect(
    session: aiohttp.ClientSession,
    ctx: SimpleNamespace,
    params: aiohttp.TraceRequestRedirectParams,
) -> None:
    record = ctx.trace_request_ctx
    if isinstance(record, _Record):
        record.switch(None)
        # Kept in case no final response comes (a redirect loop ends on a redirect).
        record.status = params.response.status


def _trace_config() -> aiohttp.TraceConfig:
    # aiohttp opens the "connect" span before it resolves the name, so the sliver before
    # the lookup is discarded; otherwise a failed lookup would show a connect phase.
    config = aiohttp.TraceConfig()
    config.on_connection_create_start.append(_switch_to("connect"))
    config.on_dns_resolvehost_start.append(_switch_to("dns", discard=True))
    config.on_dns_resolvehost_end.append(_switch_to("connect"))
    config.on_connection_create_end.append(_switch_to("first_byte"))
    config.on_connection_reuseconn.append(_switch_to("first_byte"))
    config.on_request_redirect.append(_on_redirect)
    config.on_request_end.append(_switch_to(None))
    return config


def _new_session() -> aiohttp.ClientSession:
    # force_close: every check pays a fresh connect (and TLS handshake), as a new visitor does.
    # A reused keep-alive socket would hide a server that no longer accepts connections and
    # make the connect phase meaningless. Without pooling, limit=0 is safe: the scheduler's
    # semaphore is what bounds concurrency.
    connector = PhasedConnector(limit=0, force_close=True, ttl_dns_cache=_DNS_CACHE_SECONDS)
    return aiohttp.ClientSession(
        connector=connector,
        # One session serves every monitor: a shared cookie jar would leak one target's
        # cookies into another's checks.
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={"User-Agent": USER_AGENT},
        trace_configs=[_trace_config()],
    )


@register
class HttpCheck:
    @staticmethod
    def target_problem(target: str) -> str | None:
        return _url_problem(target)

    kind: ClassVar[str] = "http"
    options_model: ClassVar[type[CheckOptions]] = HttpOptions
    scheduled: ClassVar[bool] = True

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        # Validated options (or the problem) per monitor, reused while its spec is the same
        # object: validating them with pydantic on every run cost more than the request.
        self._parsed: dict[str, tuple[MonitorSpec, HttpOptions | str]] = {}

    def _client(self) -> aiohttp.ClientSession:
        # Created on first use because a session binds to the running loop.
        if self._session is None or self._session.closed:
            self._session = _new_session()
        return self._session

    def _options(self, spec: MonitorSpec) -> HttpOptions | str:
        cached = self._parsed.get(spec.id)
        if cached is not None and cached[0] is spec:
            return cached[1]
        parsed = _parse(spec)
        self._parsed[spec.id] = (spec, parsed)
        return parsed

    async def run(self, spec: MonitorSpec) -> CheckResult:
        options = self._options(spec)
        if isinstance(options, str):
            return CheckResult(ok=False, error=options)
        timeout = spec.timeout.total_seconds()
        record = _Record()
        started = time.perf_counter()
        try:
            # aiohttp's own total timeout covers redirects and the body; this outer one also
            # bounds anything it does not (a resolver thread that never answers, trace hooks).
            async with asyncio.timeout(timeout):
                tls_starting = TLS_STARTING.set(partial(record.switch, "tls"))
                connected = CONNECTED.set(record.connected)
                try:
                    error = await self._fetch(spec.target, options, timeout, record)
                finally:
                    CONNECTED.reset(connected)
                    TLS_STARTING.reset(tls_starting)
        except Exception as exc:
            error = _describe(exc, timeout)
            # Either timeout: the target kept us waiting the whole time (body included).
            return _result(record, started, error, timed_out=isinstance(exc, TimeoutError))
        return _result(record, started, error)

    async def _fetch(
        self, url: str, options: HttpOptions, seconds: float, record: _Record
    ) -> str | None:
        request = self._client().request(
            options.method,
            url,
            headers=options.headers,
            data=None if options.body is None else options.body.encode(),
            allow_redirects=options.follow_redirects,
            # aiohttp gives up on reaching its limit, so it would follow one redirect fewer.
            max_redirects=options.max_redirects + 1,
            ssl=options.verify_tls,
            timeout=aiohttp.ClientTimeout(total=seconds),
            trace_request_ctx=record,
        )
        async with request as response:
            record.status = response.status
            problem = _status_problem(response.status, options.expected_status)
            if problem is not None:
                return problem
            keep = options.keyword is not None or options.keyword_absent is not None
            body, overflow = await _read_capped(response.content, options.max_body_bytes, keep)
            return _keyword_problem(_decode(body, response.charset), overflow, options)

    async def close(self) -> None:
        self._parsed.clear()
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def _result(
    record: _Record, started: float, error: str | None, *, timed_out: bool = False
) -> CheckResult:
    record.switch(None)
    latency_ms = (time.perf_counter() - started) * 1000
    phases = {**record.spent, "total": latency_ms}
    return CheckResult(
        ok=error is None,
        latency_ms=latency_ms,
        error=error,
        status_code=record.status,
        phases=phases,
        timed_out=timed_out,
        certificate=record.certificate,
    )


def _peer_certificate(transport: asyncio.BaseTransport) -> CertificateInfo | None:
    """The server's certificate; None over plain http. The DER bytes, since with
    `verify_tls: false` ssl parses nothing."""
    ssl_object = transport.get_extra_info("ssl_object")
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    try:
        return certificate_info(der) if der else None
    except ValueError:  # OpenSSL accepted what cryptography finds malformed: no details
        return None


def _parse(spec: MonitorSpec) -> HttpOptions | str:
    """The monitor's options, or why they cannot be used."""
    try:
        options = HttpOptions.model_validate(spec.options)
    except ValidationError as exc:
        return invalid_options(exc)
    return _url_problem(spec.target) or options


def _url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError:
        valid = False
    return None if valid else f"invalid URL {url!r} (expected http:// or https://)"


def _status_problem(status: int, expected: list[int]) -> str | None:
    if expected:
        ok, wanted = status in expected, ", ".join(str(code) for code in expected)
    else:
        ok, wanted = 200 <= status < 400, "2xx/3xx"
    return None if ok else f"HTTP {status} (expected {wanted})"


async def _read_capped(content: aiohttp.StreamReader, cap: int, keep: bool) -> tuple[bytes, bool]:
    """Read at most a little over `cap` bytes; keep at most `cap`, and only if asked.

    Returns what was kept and whether the body went on past the cap. Memory is bounded by
    the cap plus one read buffer whatever the server sends.
    """
    kept = bytearray()
    seen = 0
    async for chunk in content.iter_any():
        seen += len(chunk)
        if keep:
            kept += chunk[: cap - len(kept)]
        if seen > cap:
            return bytes(kept), True
    return bytes(kept), False


def _decode(body: bytes, charset: str | None) -> str:
    try:
        codec = codecs.lookup(charset or "utf-8").name
    except LookupError:
        codec = "utf-8"
    # The cap may cut a multi-byte character in two; replace it rather than fail the check.
    return body.decode(codec, errors="replace")


def _keyword_problem(text: str, overflow: bool, options: HttpOptions) -> str | None:
    if options.keyword is not None and options.keyword not in text:
        where = f" in the first {options.max_body_bytes} bytes" if overflow else ""
        return f"keyword {options.keyword!r} not found{where}"
    if options.keyword_absent is not None and options.keyword_absent in text:
        return f"keyword {options.keyword_absent!r} found (expected absent)"
    return None


def _describe(exc: Exception, timeout: float) -> str:
    """Short human text for whatever ended the request; the order matters (subclasses first)."""
    if isinstance(exc, TimeoutError):
        return timed_out(timeout)
    if isinstance(exc, aiohttp.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        cert_error = exc.certificate_error
        reason = getattr(cert_error, "verify_message", None) or str(cert_error)
        return f"TLS certificate verify failed: {reason}"
    if isinstance(exc, aiohttp.ClientSSLError):
        return f"TLS error: {_ssl_reason(exc.os_error)}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return describe_os_error(exc.os_error)
    return _describe_response_error(exc)


_BAD_REDIRECT = (aiohttp.InvalidUrlRedirectClientError, aiohttp.NonHttpUrlRedirectClientError)


def _describe_response_error(exc: Exception) -> str:
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"invalid HTTP response: {_one_line(exc.message)}"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return f"invalid HTTP response body: {_one_line(str(exc))}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "server closed the connection without a response"
    if isinstance(exc, _BAD_REDIRECT):
        return f"invalid redirect to {_one_line(str(exc))}"
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    if isinstance(exc, aiohttp.ClientError):
        return f"HTTP client error: {_one_line(str(exc)) or type(exc).__name__}"
    log.warning("unexpected error in http check", exc_info=exc)
    return f"unexpected error: {type(exc).__name__}: {_one_line(str(exc))}"


def _ssl_reason(error: OSError) -> str:
    reason = getattr(error, "reason", None)
    if isinstance(reason, str) and reason:
        return reason.replace("_", " ").lower()
    return _one_line(str(error))


def _one_line(text: str, limit: int = 160) -> str:
    """Parser messages span lines with a caret under the bad byte; keep the words only."""
    lines = (line.strip() for line in text.splitlines())
    joined = " ".join(line for line in lines if line and set(line) != {"^"})
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"
