"""Kind "http": fetch a URL and judge the status, the body and how long each phase took.

The requests go through libcurl's multi interface (checks/curl_multi.py: one multi handle on
the asyncio loop for every http check), which does the HTTP and TLS work in C and times it.

Phases are durations that stack (as in the Node `request` library's timingPhases):
`dns` name lookup, `connect` TCP connect, `tls` the TLS handshake (https only), `first_byte`
from the connection being ready until the response began, and `total`. The check follows
redirects itself, one request per hop, so each hop adds to the same phases. `dns` is absent
when the target is an IP address; a name curl still has in its cache (10 s) looks up in
microseconds. When a phase is cut short (a timeout, a refused connection) it lasts until the
request ended.

The body is read up to `max_body_bytes`. A longer body is not a failure in itself (an endless
stream must not be punished for being endless); a required keyword must appear within the cap,
and a forbidden one is only looked for within it.
"""

from __future__ import annotations

import asyncio
import codecs
import ipaddress
import time
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal
from urllib.parse import SplitResult, urlsplit

import pycurl
from pydantic import Field, ValidationError

from hiccup import __version__
from hiccup.checks.base import CheckOptions, CheckResult
from hiccup.checks.certificate import CertificateInfo
from hiccup.checks.curl_multi import CurlMulti
from hiccup.checks.http_errors import describe, not_http
from hiccup.checks.http_hop import Body, Hop, Request, fetch
from hiccup.checks.registry import invalid_options, register
from hiccup.checks.tcp import timed_out
from hiccup.core.monitors import MonitorSpec

USER_AGENT = f"Hiccup/{__version__} (uptime check)"

# curl ends a request at the monitor's timeout itself (and says which phase it was in); the
# loop's own timeout is only a backstop for a transfer curl somehow never ends.
_BACKSTOP_SECONDS = 0.25
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Not sent to another origin on a redirect (as browsers and the aiohttp client before).
_CREDENTIALS = ("authorization", "cookie", "proxy-authorization")

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

    @property
    def keeps_body(self) -> bool:
        return self.keyword is not None or self.keyword_absent is not None


@dataclass(frozen=True, slots=True)
class _Plan:
    """A monitor's validated options and its first request, built once per spec."""

    options: HttpOptions
    request: Request
    ip_host: bool


@dataclass(slots=True)
class _Run:
    """What one run has learnt so far, over every hop."""

    spent: dict[str, float] = field(default_factory=dict)
    status: int | None = None
    certificate: CertificateInfo | None = None  # after redirects, the last one seen
    timed_out: bool = False

    def add(self, hop: Hop) -> None:
        for phase, ms in hop.phases.items():
            self.spent[phase] = self.spent.get(phase, 0.0) + ms
        if hop.status is not None:
            # Kept when a later hop gets no answer (a redirect loop ends on a redirect).
            self.status = hop.status
        if hop.certificate is not None:
            self.certificate = hop.certificate
        self.timed_out = hop.code == pycurl.E_OPERATION_TIMEDOUT

    def result(self, started: float, error: str | None) -> CheckResult:
        latency_ms = (time.perf_counter() - started) * 1000
        phases = {**self.spent, "total": latency_ms}
        return CheckResult(
            ok=error is None,
            latency_ms=latency_ms,
            error=error,
            status_code=self.status,
            phases=phases,
            timed_out=self.timed_out,
            certificate=self.certificate,
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
        self._multi: CurlMulti | None = None
        # Validated options (or the problem) per monitor, reused while its spec is the same
        # object: validating them with pydantic on every run cost more than the request.
        self._parsed: dict[str, tuple[MonitorSpec, _Plan | str]] = {}

    def _curl(self) -> CurlMulti:
        # Created on first use because it binds to the running loop.
        loop = asyncio.get_running_loop()
        if self._multi is None or self._multi.loop is not loop:
            self._multi = CurlMulti(loop)
        return self._multi

    def _plan(self, spec: MonitorSpec) -> _Plan | str:
        cached = self._parsed.get(spec.id)
        if cached is not None and cached[0] is spec:
            return cached[1]
        parsed = _parse(spec)
        self._parsed[spec.id] = (spec, parsed)
        return parsed

    async def run(self, spec: MonitorSpec) -> CheckResult:
        plan = self._plan(spec)
        if isinstance(plan, str):
            return CheckResult(ok=False, error=plan)
        seconds = spec.timeout.total_seconds()
        run = _Run()
        started = time.perf_counter()
        try:
            async with asyncio.timeout(seconds + _BACKSTOP_SECONDS):
                error = await self._follow(plan, seconds, started, run)
        except TimeoutError:
            run.timed_out = True
            error = timed_out(seconds)
        return run.result(started, error)

    async def _follow(self, plan: _Plan, seconds: float, started: float, run: _Run) -> str | None:
        """Request, and follow redirects as asked; what went wrong, None if nothing did."""
        options, request, ip_host = plan.options, plan.request, plan.ip_host
        multi = self._curl()
        for hops in range(options.max_redirects + 1):
            left = seconds - (time.perf_counter() - started)
            body = Body(options.max_body_bytes, options.keeps_body)
            hop = await fetch(multi, request, left, body, ip_host=ip_host)
            run.add(hop)
            failure = _failure(hop, body, request.url, seconds)
            if failure is not None or hop.status is None:  # (no status: failure says why)
                return failure or not_http(b"")
            if not (options.follow_redirects and hop.location and hop.status in _REDIRECTS):
                return _judge(hop.status, hop.content_type, body, options)
            if hops == options.max_redirects:
                break
            redirected = _redirected(request, hop.status, hop.location)
            if isinstance(redirected, str):
                return redirected
            request, ip_host = redirected, _is_ip(urlsplit(redirected.url))
        return "too many redirects"

    async def close(self) -> None:
        self._parsed.clear()
        multi, self._multi = self._multi, None
        if multi is not None:
            multi.close()


def _failure(hop: Hop, body: Body, url: str, seconds: float) -> str | None:
    """Why the hop got no response to judge; None when it got one (a body past the cap too)."""
    if hop.code == pycurl.E_OPERATION_TIMEDOUT:
        return timed_out(seconds)
    if body.head is not None or (hop.code == pycurl.E_OK and hop.status is None):
        return not_http(body.head or b"")
    if hop.code != pycurl.E_OK and not body.overflow:
        return describe(hop, _host(url), seconds)
    return None


def _judge(status: int, content_type: str | None, body: Body, options: HttpOptions) -> str | None:
    problem = _status_problem(status, options.expected_status)
    if problem is not None or not options.keeps_body:
        return problem
    text = _decode(bytes(body.kept), _charset(content_type))
    return _keyword_problem(text, body.overflow, options)


def _redirected(request: Request, status: int, location: str) -> Request | str:
    """The next hop's request, or why the redirect cannot be followed."""
    if _url_problem(location) is not None:
        return f"invalid redirect to {location}"
    method, body = request.method, request.body
    # What browsers do, and the aiohttp client before: 303 turns into a GET, and so does a
    # POST answered with 301 or 302.
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method, body = "GET", None
    headers = request.headers
    if _origin(urlsplit(location)) != _origin(urlsplit(request.url)):
        headers = tuple(h for h in headers if h.split(":", 1)[0].lower() not in _CREDENTIALS)
    if body is None:
        headers = tuple(h for h in headers if h not in _BODY_HEADERS)
    return Request(location, method, headers, body, request.verify_tls, request.user_agent)


def _origin(parts: SplitResult) -> tuple[str, str | None, int | None]:
    return parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


# Sent with a body only: aiohttp's content type for bytes, and no "Expect: 100-continue"
# round trip (curl asks for one before a large body).
_BODY_HEADERS = ("Content-Type: application/octet-stream", "Expect:")


def _first_request(url: str, options: HttpOptions) -> Request:
    body = None if options.body is None else options.body.encode()
    headers = [f"{name}: {value}" for name, value in options.headers.items()]
    if body is not None:
        named = {name.lower() for name in options.headers}
        headers += [h for h in _BODY_HEADERS if h.split(":")[0].lower() not in named]
    return Request(url, options.method, tuple(headers), body, options.verify_tls, USER_AGENT)


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _is_ip(parts: SplitResult) -> bool:
    try:
        ipaddress.ip_address(parts.hostname or "")
    except ValueError:
        return False
    return True


def _charset(content_type: str | None) -> str | None:
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"') or None
    return None


def _parse(spec: MonitorSpec) -> _Plan | str:
    """The monitor's options and first request, or why they cannot be used."""
    try:
        options = HttpOptions.model_validate(spec.options)
    except ValidationError as exc:
        return invalid_options(exc)
    problem = _url_problem(spec.target)
    if problem is not None:
        return problem
    return _Plan(options, _first_request(spec.target, options), _is_ip(urlsplit(spec.target)))


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
