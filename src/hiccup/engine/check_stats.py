"""Running totals of this server's checks per monitor, read by /metrics at scrape time.

Counting is a few integer additions per check on the event loop; a scrape reads the totals
without locks or queries. Totals start at zero with the process, as Prometheus counters do.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime

from hiccup.checks.base import CheckResult
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.scheduler import Sink

# Upper bounds in seconds: from a fast loopback answer to a check's usual timeout.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(slots=True)
class MonitorCounts:
    checks: int = 0
    failures: int = 0
    # Per bucket, not cumulative; the last one counts latencies above every bound.
    buckets: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    latency_sum: float = 0.0  # seconds

    def add(self, result: CheckResult) -> None:
        self.checks += 1
        self.failures += not result.ok
        if result.latency_ms is not None:
            seconds = result.latency_ms / 1000
            self.buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
            self.latency_sum += seconds

    @property
    def timed(self) -> int:
        return sum(self.buckets)


class CheckStats:
    def __init__(self) -> None:
        self.monitors: dict[str, MonitorCounts] = {}

    def count(self, monitor_id: str, result: CheckResult) -> None:
        counts = self.monitors.get(monitor_id)
        if counts is None:
            counts = self.monitors[monitor_id] = MonitorCounts()
        counts.add(result)

    def tap(self, sink: Sink) -> Sink:
        """`sink`, counting each result on its way through."""

        def counted(spec: MonitorSpec, result: CheckResult, started_at: datetime) -> None:
            self.count(spec.id, result)
            sink(spec, result, started_at)

        return counted
