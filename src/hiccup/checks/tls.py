"""Kind "tls": connect, complete a verified TLS handshake, and judge the certificate's expiry.

The handshake verifies the chain and the host name (unless `verify_chain` is false) exactly
as a browser's would, so "certificate verify failed" here means visitors see a warning too.
A leaf that expired fails that verification; the check then connects once more without
verification to read the date, so the error says when it expired rather than only that it did.
Any other verification failure (self-signed, unknown CA, wrong name) reads the leaf the same
way: the result carries the certificate's details whether the check passed or not.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, model_validator

from hiccup.checks.base import CheckOptions, CheckResult
from hiccup.checks.certificate import CertificateInfo, certificate_info
from hiccup.checks.registry import invalid_options, register
from hiccup.checks.tcp import describe_os_error, timed_out
from hiccup.core.clock import Clock, SystemClock
from hiccup.core.monitors import MonitorSpec
from hiccup.core.wording import TroubleKind

DEFAULT_PORT = 443
_CERT_HAS_EXPIRED = 10  # X509_V_ERR_CERT_HAS_EXPIRED
_HOSTNAME_MISMATCH = 62  # X509_V_ERR_HOSTNAME_MISMATCH


class TlsOptions(CheckOptions):
    warn_days: int = Field(default=14, ge=0, le=3650)
    fail_days: int = Field(default=3, ge=0, le=3650)
    server_name: str | None = Field(default=None, min_length=1, max_length=253)
    verify_chain: bool = True
    # A private CA: trust the certificates in this PEM file instead of the system's.
    ca_file: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _fail_before_warn(self) -> TlsOptions:
        if self.fail_days > self.warn_days:
            raise ValueError("fail_days must not be more than warn_days")
        return self


def parse_tls_target(target: str) -> tuple[str, int]:
    """'host', 'host:port', '[v6]' or '[v6]:port' -> (host, port); the port defaults to 443."""
    problem = ValueError(f"invalid target {target!r} (expected host or host:port)")
    if any(char in target for char in "/@?# "):
        raise problem
    try:
        parts = urlsplit(f"//{target}")
        host, port = parts.hostname, parts.port
    except ValueError:
        raise problem from None
    if not host or port == 0:
        raise problem
    return host, port or DEFAULT_PORT


def _days(span: timedelta) -> str:
    if span.days == 0:
        return "less than a day"
    return "1 day" if span.days == 1 else f"{span.days} days"


def judge_expiry(not_after: datetime, now: datetime, options: TlsOptions) -> CheckResult:
    """The verdict on a certificate valid until `not_after`, seen at `now` (no latency)."""
    left, day = not_after - now, not_after.date().isoformat()
    if left <= timedelta(0):
        return CheckResult(ok=False, error=f"certificate expired {_days(-left)} ago ({day})")
    text = f"certificate expires in {_days(left)} ({day})"
    if left < timedelta(days=options.fail_days):
        return CheckResult(ok=False, error=text)
    if left < timedelta(days=options.warn_days):
        return CheckResult(ok=True, degraded=True, error=text)
    return CheckResult(ok=True)


class _Timing:
    """Which step the run is in, and how long each finished step took (ms)."""

    def __init__(self) -> None:
        self.phase: str | None = None
        self.since = time.perf_counter()
        self.spent: dict[str, float] = {}

    def enter(self, phase: str | None) -> None:
        now = time.perf_counter()
        if self.phase is not None:
            self.spent[self.phase] = (now - self.since) * 1000
        self.phase, self.since = phase, now


_DOING = {"connect": "connecting", "tls": "in the TLS handshake"}


@dataclass(frozen=True, slots=True)
class _Peer:
    host: str
    port: int
    server_name: str


async def _leaf_certificate(peer: _Peer, context: ssl.SSLContext, timing: _Timing) -> bytes:
    timing.enter("connect")
    _, writer = await asyncio.open_connection(peer.host, peer.port)
    try:
        timing.enter("tls")
        await writer.start_tls(context, server_hostname=peer.server_name)
        timing.enter(None)
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
    finally:
        # Abort, not close: a polite TLS close waits for the peer's close_notify, which a
        # hostile or slow server may never send, and the certificate is all we came for.
        writer.transport.abort()
    if not der:
        raise ssl.SSLError("the server sent no certificate")
    return bytes(der)


def _describe(exc: BaseException, seconds: float, timing: _Timing) -> str:
    if isinstance(exc, TimeoutError):
        return f"{timed_out(seconds)} {_DOING.get(timing.phase or '', '')}".rstrip()
    if isinstance(exc, ssl.SSLCertVerificationError):
        message = (exc.verify_message or exc.reason or str(exc)).rstrip(".")
        if exc.verify_code == _HOSTNAME_MISMATCH:
            return "hostname mismatch: " + message.removeprefix("Hostname mismatch, ")
        return f"certificate verify failed: {message}"
    if isinstance(exc, ssl.SSLError):
        reason = exc.reason or exc.strerror or str(exc)
        return f"TLS error: {str(reason).replace('_', ' ').lower()}"
    if timing.phase == "tls" and isinstance(exc, ConnectionError | EOFError):
        return "server closed the connection during the TLS handshake"
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    return f"unexpected error: {type(exc).__name__}: {exc}"


@register
class TlsCheck:
    @staticmethod
    def target_problem(target: str) -> str | None:
        try:
            parse_tls_target(target)
        except ValueError as error:
            return str(error)
        return None

    kind: ClassVar[str] = "tls"
    options_model: ClassVar[type[CheckOptions]] = TlsOptions
    scheduled: ClassVar[bool] = True
    # A certificate weeks from expiry is a chore for the operator, not an outage for customers.
    public_by_default: ClassVar[bool] = False
    trouble: ClassVar[TroubleKind] = TroubleKind.EXPIRY  # "certificate expires in 9 days"

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._contexts: dict[tuple[bool, str | None], ssl.SSLContext] = {}

    def _context(self, verify: bool, ca_file: str | None) -> ssl.SSLContext:
        # Kept: loading the system trust store costs milliseconds, per run it would add up.
        key = (verify, ca_file)
        context = self._contexts.get(key)
        if context is None:
            context = ssl.create_default_context(cafile=ca_file if verify else None)
            if not verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            self._contexts[key] = context
        return context

    async def run(self, spec: MonitorSpec) -> CheckResult:
        try:
            options = TlsOptions.model_validate(spec.options)
            host, port = parse_tls_target(spec.target)
        except ValidationError as exc:
            return CheckResult(ok=False, error=invalid_options(exc))
        except ValueError as exc:
            return CheckResult(ok=False, error=str(exc))
        try:
            context = self._context(options.verify_chain, options.ca_file)
        except OSError as exc:  # ssl.SSLError included: a file that is not PEM
            reason = getattr(exc, "reason", None) or exc.strerror or str(exc)
            return CheckResult(ok=False, error=f"cannot load ca_file {options.ca_file!r}: {reason}")
        peer = _Peer(host, port, options.server_name or host)
        return await self._probe(peer, context, options, spec.timeout.total_seconds())

    async def _probe(
        self, peer: _Peer, context: ssl.SSLContext, options: TlsOptions, seconds: float
    ) -> CheckResult:
        now, timing = self._clock.now(), _Timing()
        refused: ssl.SSLCertVerificationError | None = None
        try:
            async with asyncio.timeout(seconds):
                try:
                    der = await _leaf_certificate(peer, context, timing)
                except ssl.SSLCertVerificationError as exc:
                    refused = exc
                    timing.enter(None)  # the second connection is not the handshake's time
                    # Read the leaf once more without verification: an expired or self-signed
                    # certificate is exactly the one whose details the operator needs.
                    der = await _leaf_certificate(peer, self._context(False, None), _Timing())
        except Exception as exc:
            # When only the second read failed, the verification's failure is the news.
            return _failed(_describe(refused or exc, seconds, timing), timing)
        try:
            info = certificate_info(der)
        except ValueError:
            return _failed("TLS error: the server's certificate cannot be read", timing)
        return _with_timing(_verdict(info, refused, now, options, seconds, timing), timing, info)

    async def close(self) -> None:
        """Nothing pooled: every run opens and closes its own connection."""
        self._contexts.clear()


def _verdict(
    info: CertificateInfo,
    refused: ssl.SSLCertVerificationError | None,
    now: datetime,
    options: TlsOptions,
    seconds: float,
    timing: _Timing,
) -> CheckResult:
    """The verdict on a leaf read, with the verification's failure (None: it passed)."""
    if refused is not None and refused.verify_code != _CERT_HAS_EXPIRED:
        return CheckResult(ok=False, error=_describe(refused, seconds, timing))
    verdict = judge_expiry(info.not_after, now, options)
    if refused is not None and verdict.ok:
        # The leaf is fine, so the expired certificate is an intermediate.
        return CheckResult(ok=False, error="certificate verify failed: certificate has expired")
    return verdict


def _failed(error: str, timing: _Timing) -> CheckResult:
    return _with_timing(CheckResult(ok=False, error=error), timing)


def _with_timing(
    verdict: CheckResult, timing: _Timing, certificate: CertificateInfo | None = None
) -> CheckResult:
    timing.enter(None)  # a timeout leaves its step open
    phases = dict(timing.spent)
    phases["total"] = sum(phases.values())
    return CheckResult(
        ok=verdict.ok,
        latency_ms=phases["total"],
        error=verdict.error,
        phases=phases,
        degraded=verdict.degraded,
        certificate=certificate,
    )
