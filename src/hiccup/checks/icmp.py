"""Kind "icmp": ping a host a few times; too much loss is a failure, some loss a warning.

Linux lets a process send echo requests without root through datagram ICMP sockets when its
group is inside `net.ipv4.ping_group_range`; those are tried first. Running as root, raw
sockets work whatever that setting says, so they are the fallback. Otherwise the check fails
and says what to change rather than looking like the target is down.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
from typing import ClassVar

import icmplib
from pydantic import Field, ValidationError

from hiccup.checks.base import CheckOptions, CheckResult
from hiccup.checks.registry import invalid_options, register
from hiccup.checks.tcp import timed_out
from hiccup.core.monitors import MonitorSpec

NEEDS_PERMISSION = "ping needs permission: set net.ipv4.ping_group_range or run as root"

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST_NAME = re.compile(rf"^{_LABEL}(\.{_LABEL})*\.?$", re.IGNORECASE)

# A short gap between echo requests keeps the whole run well inside its timeout; ping's
# usual 1s gap is politeness to routers, which a handful of requests per interval does not need.
_MAX_GAP_SECONDS = 0.2


class IcmpOptions(CheckOptions):
    count: int = Field(default=3, ge=1, le=20)
    max_loss: float = Field(default=0.5, ge=0.0, lt=1.0)


def running_as_root() -> bool:
    return os.geteuid() == 0


def valid_host(target: str) -> bool:
    try:
        ipaddress.ip_address(target)
    except ValueError:
        return len(target) <= 253 and _HOST_NAME.match(target) is not None
    return True


def judge(received: int, sent: int, average_ms: float, options: IcmpOptions) -> CheckResult:
    lost = sent - received
    if received == 0:
        return CheckResult(ok=False, error=f"no reply to {sent} pings")
    latency = round(average_ms, 3)
    if lost / sent > options.max_loss:
        error = f"{lost} of {sent} packets lost ({lost / sent:.0%})"
        return CheckResult(ok=False, latency_ms=latency, error=error)
    if lost:
        error = f"{lost} of {sent} packets lost ({lost / sent:.0%})"
        return CheckResult(ok=True, latency_ms=latency, error=error, degraded=True)
    return CheckResult(ok=True, latency_ms=latency)


@register
class IcmpCheck:
    @staticmethod
    def target_problem(target: str) -> str | None:
        return (
            None if valid_host(target.strip()) else f"invalid target {target!r} (expected a host)"
        )

    kind: ClassVar[str] = "icmp"
    options_model: ClassVar[type[CheckOptions]] = IcmpOptions
    scheduled: ClassVar[bool] = True

    def __init__(self) -> None:
        # Learnt on the first run: whether unprivileged sockets were refused and raw ones used.
        self._privileged = False

    async def run(self, spec: MonitorSpec) -> CheckResult:
        try:
            options = IcmpOptions.model_validate(spec.options)
        except ValidationError as exc:
            return CheckResult(ok=False, error=invalid_options(exc))
        host = spec.target.strip()
        if not valid_host(host):
            return CheckResult(ok=False, error=f"invalid target {spec.target!r} (expected a host)")
        seconds = spec.timeout.total_seconds()
        try:
            async with asyncio.timeout(seconds):
                return await self._ping(host, options, seconds)
        except TimeoutError:
            return CheckResult(ok=False, error=timed_out(seconds), timed_out=True)
        except icmplib.NameLookupError:
            return CheckResult(ok=False, error=f"DNS lookup failed: {host!r} cannot be resolved")
        except icmplib.SocketPermissionError:
            return CheckResult(ok=False, error=NEEDS_PERMISSION)
        except (icmplib.ICMPLibError, OSError) as exc:
            return CheckResult(ok=False, error=f"ping failed: {exc}")

    async def _ping(self, host: str, options: IcmpOptions, seconds: float) -> CheckResult:
        gap = min(_MAX_GAP_SECONDS, seconds / (4 * options.count))
        # Every request may wait its share of the time left, so even total loss is reported
        # as loss, before the outer timeout would turn it into a bare "timed out".
        wait = max(0.01, (seconds * 0.9 - gap * (options.count - 1)) / options.count)
        try:
            answer = await self._send(host, options.count, gap, wait)
        except icmplib.SocketPermissionError:
            if self._privileged or not running_as_root():
                raise
            self._privileged = True
            answer = await self._send(host, options.count, gap, wait)
        return judge(answer.packets_received, answer.packets_sent, answer.avg_rtt, options)

    async def _send(self, host: str, count: int, gap: float, wait: float) -> icmplib.Host:
        return await icmplib.async_ping(
            host, count=count, interval=gap, timeout=wait, privileged=self._privileged
        )

    async def close(self) -> None:
        """Nothing pooled: every run opens and closes its own socket."""
