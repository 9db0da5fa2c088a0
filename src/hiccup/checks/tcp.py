"""Kind "tcp": can a TCP connection to host:port be opened within the timeout?

Also home of the wording for socket-level failures, which the HTTP check shares, so that
"connection refused" reads the same whichever kind met it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import time
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import ValidationError

from hiccup.checks.base import CheckOptions, CheckResult
from hiccup.checks.registry import invalid_options, register
from hiccup.core.monitors import MonitorSpec


class TcpOptions(CheckOptions):
    """No options yet; kept so unknown fields are rejected and new ones have a home."""


def timed_out(seconds: float) -> str:
    return f"timed out after {seconds:g}s"


def describe_os_error(exc: OSError) -> str:
    """Short human text for a socket error; errno wording beats Python's "Connect call failed"."""
    if isinstance(exc, socket.gaierror):
        return f"DNS lookup failed: {exc.strerror or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if exc.errno and exc.errno > 0 and exc.errno in errno.errorcode:
        return os.strerror(exc.errno).lower()
    return str(exc) or type(exc).__name__


def parse_target(target: str) -> tuple[str, int]:
    """'host:port', 'ip:port' or '[v6]:port' -> (host, port); ValueError with a readable text."""
    problem = ValueError(f"invalid target {target!r} (expected host:port)")
    if "/" in target or "@" in target or "?" in target or "#" in target:
        raise problem
    try:
        parts = urlsplit(f"//{target}")
        host, port = parts.hostname, parts.port
    except ValueError:
        raise problem from None
    if not host or port is None or port == 0:
        raise problem
    return host, port


@register
class TcpCheck:
    @staticmethod
    def target_problem(target: str) -> str | None:
        try:
            parse_target(target)
        except ValueError as error:
            return str(error)
        return None

    kind: ClassVar[str] = "tcp"
    options_model: ClassVar[type[CheckOptions]] = TcpOptions
    scheduled: ClassVar[bool] = True

    async def run(self, spec: MonitorSpec) -> CheckResult:
        try:
            TcpOptions.model_validate(spec.options)
            host, port = parse_target(spec.target)
        except ValidationError as exc:
            return CheckResult(ok=False, error=invalid_options(exc))
        except ValueError as exc:
            return CheckResult(ok=False, error=str(exc))
        return await _connect(host, port, spec.timeout.total_seconds())

    async def close(self) -> None:
        """Nothing pooled: every run opens and closes its own socket."""


async def _connect(host: str, port: int, seconds: float) -> CheckResult:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(seconds):
            _, writer = await asyncio.open_connection(host, port)
            latency_ms = (time.perf_counter() - started) * 1000
            writer.close()
            # The peer may reset as we close; the connection was made, which is all we asked.
            with contextlib.suppress(OSError):
                await writer.wait_closed()
    except TimeoutError:
        return CheckResult(ok=False, error=timed_out(seconds), timed_out=True)
    except OSError as exc:
        return CheckResult(ok=False, error=describe_os_error(exc))
    # No phase split: open_connection resolves and connects in one call (with fallback across
    # addresses), so latency_ms is name lookup plus connect.
    return CheckResult(ok=True, latency_ms=latency_ms)
