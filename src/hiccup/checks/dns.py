"""Kind "dns": resolve a name and check the answers.

The resolver is the system's (from /etc/resolv.conf) or one server named in the options. No
answer cache: every run asks again, since a cached answer would hide a server that stopped
answering. dnspython is used by `dns_answers`, imported when a DNS monitor first runs.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, ClassVar

from pydantic import ValidationError

from hiccup.checks.base import CheckOptions, CheckResult
from hiccup.checks.dns_options import DnsOptions, RecordType, parse_resolver
from hiccup.checks.registry import invalid_options, register
from hiccup.core.monitors import MonitorSpec

if TYPE_CHECKING:
    from hiccup.checks.dns_answers import Resolvers

__all__ = ["DnsCheck", "DnsOptions", "RecordType", "parse_resolver"]


@register
class DnsCheck:
    @staticmethod
    def target_problem(target: str) -> str | None:
        from hiccup.checks.dns_answers import valid_name

        return None if valid_name(target) else f"invalid target {target!r} (expected a name)"

    kind: ClassVar[str] = "dns"
    options_model: ClassVar[type[CheckOptions]] = DnsOptions
    scheduled: ClassVar[bool] = True

    def __init__(self) -> None:
        from hiccup.checks.dns_answers import Resolvers

        self._resolvers: Resolvers = Resolvers()

    async def run(self, spec: MonitorSpec) -> CheckResult:
        try:
            options = DnsOptions.model_validate(spec.options)
        except ValidationError as exc:
            return CheckResult(ok=False, error=invalid_options(exc))
        seconds = spec.timeout.total_seconds()
        started = time.perf_counter()
        try:
            # The lifetime bounds dnspython's retries; the outer timeout anything else.
            async with asyncio.timeout(seconds):
                error = await self._resolvers.query(spec.target, options, seconds)
        except Exception as exc:
            from hiccup.checks.dns_answers import describe  # loaded by __init__ already

            error = describe(exc, options, seconds)
        latency_ms = (time.perf_counter() - started) * 1000
        phases = {"dns": latency_ms, "total": latency_ms}
        return CheckResult(ok=error is None, latency_ms=latency_ms, error=error, phases=phases)

    async def close(self) -> None:
        """Nothing pooled: each query opens and closes its own socket."""
        self._resolvers.clear()
