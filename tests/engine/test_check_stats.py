"""Per-monitor check totals for /metrics: checks, failures and latency buckets."""

from __future__ import annotations

from hiccup.checks.base import CheckResult
from hiccup.engine.check_stats import LATENCY_BUCKETS, CheckStats


def test_it_counts_checks_failures_and_latency_buckets_per_monitor() -> None:
    stats = CheckStats()
    stats.count("m1", CheckResult(ok=True, latency_ms=10))  # exactly on the 0.01 s bound
    stats.count("m1", CheckResult(ok=False, latency_ms=60_000))  # beyond every bound
    stats.count("m1", CheckResult(ok=False, latency_ms=None))  # no answer timed
    counts = stats.monitors["m1"]
    assert (counts.checks, counts.failures, counts.timed) == (3, 2, 2)
    assert counts.buckets[LATENCY_BUCKETS.index(0.01)] == 1
    assert counts.buckets[-1] == 1
    assert counts.latency_sum == 60.01
    assert "m2" not in stats.monitors
