"""Per-monitor rollups of raw results: counts by verdict, latency sum/min/max and a histogram.

The histogram has fixed, log-spaced buckets (20 per decade, 0.1 ms to 100 s), so rollups of
any two periods merge by adding counts, and p50/p95/p99 of a month come from its daily rows
within one bucket's resolution (about 12 %). Bucket indexes are stored: changing the bounds
needs a migration that rewrites every histogram.

Unreliable results (Hiccup itself was late or blocked, see the scheduler) are counted apart and
their latency is left out: it measures Hiccup's lag, not the target.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from hiccup.core.status import Verdict

BUCKETS_PER_DECADE = 20
HISTOGRAM_BOUNDS_MS: tuple[float, ...] = tuple(
    10 ** (k / BUCKETS_PER_DECADE) for k in range(-BUCKETS_PER_DECADE, 5 * BUCKETS_PER_DECADE + 1)
)
# Widest relative gap between a bucket's edges: the resolution of every percentile.
BUCKET_RATIO = 10 ** (1 / BUCKETS_PER_DECADE)


def bucket_of(latency_ms: float) -> int:
    """Bucket i holds (bounds[i-1], bounds[i]]; 0 holds [0, 0.1 ms]; the last holds > 100 s."""
    return bisect_left(HISTOGRAM_BOUNDS_MS, latency_ms)


def bucket_range(index: int) -> tuple[float, float]:
    lower = HISTOGRAM_BOUNDS_MS[index - 1] if index > 0 else 0.0
    upper = HISTOGRAM_BOUNDS_MS[index] if index < len(HISTOGRAM_BOUNDS_MS) else math.inf
    return lower, upper


def percentile(
    histogram: Mapping[int, int], q: float, lowest: float, highest: float
) -> float | None:
    """The nearest-rank q-quantile (0 < q <= 1), interpolated inside its bucket.

    `lowest`/`highest` are the exact min and max, which tighten the first and last buckets
    (and make the overflow bucket finite).
    """
    count = sum(histogram.values())
    if count == 0:
        return None
    rank = max(1, math.ceil(q * count))
    seen = 0
    for index in sorted(histogram):
        here = histogram[index]
        if seen + here >= rank:
            lower, upper = bucket_range(index)
            lo, hi = max(lower, lowest), min(upper, highest)
            # min(): rounding must not carry the estimate past its bucket.
            return min(hi, lo + (hi - lo) * (rank - seen) / here)
        seen += here
    return highest  # unreachable while counts are positive; keeps the type honest


@dataclass(slots=True)
class Rollup:
    """A mutable accumulator: folding tens of thousands of results must not copy per result."""

    ok: int = 0
    degraded: int = 0
    failed: int = 0
    unreliable: int = 0
    latency_count: int = 0
    latency_sum: float = 0.0
    latency_min: float | None = None
    latency_max: float | None = None
    histogram: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.ok + self.degraded + self.failed + self.unreliable

    def add(self, verdict: Verdict, latency_ms: float | None, *, reliable: bool = True) -> None:
        if not reliable:
            self.unreliable += 1
            return
        if verdict is Verdict.OK:
            self.ok += 1
        elif verdict is Verdict.DEGRADED:
            self.degraded += 1
        else:
            self.failed += 1
        if latency_ms is not None and latency_ms >= 0:
            self._add_latency(latency_ms)

    def _add_latency(self, latency_ms: float) -> None:
        self.latency_count += 1
        self.latency_sum += latency_ms
        self.latency_min = (
            latency_ms if self.latency_min is None else min(self.latency_min, latency_ms)
        )
        self.latency_max = (
            latency_ms if self.latency_max is None else max(self.latency_max, latency_ms)
        )
        index = bucket_of(latency_ms)
        self.histogram[index] = self.histogram.get(index, 0) + 1

    def merge(self, other: Rollup) -> None:
        self.ok += other.ok
        self.degraded += other.degraded
        self.failed += other.failed
        self.unreliable += other.unreliable
        self.latency_count += other.latency_count
        self.latency_sum += other.latency_sum
        self.latency_min = _pick(min, self.latency_min, other.latency_min)
        self.latency_max = _pick(max, self.latency_max, other.latency_max)
        for index, count in other.histogram.items():
            self.histogram[index] = self.histogram.get(index, 0) + count

    def percentile(self, q: float) -> float | None:
        if self.latency_min is None or self.latency_max is None:
            return None
        return percentile(self.histogram, q, self.latency_min, self.latency_max)

    @property
    def mean_ms(self) -> float | None:
        return self.latency_sum / self.latency_count if self.latency_count else None


def _pick(
    choose: Callable[[float, float], float], a: float | None, b: float | None
) -> float | None:
    if a is None:
        return b
    return a if b is None else choose(a, b)


def merged(rollups: Iterable[Rollup]) -> Rollup:
    total = Rollup()
    for rollup in rollups:
        total.merge(rollup)
    return total


def hour_start(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def day_start(at: datetime) -> datetime:
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


# (monitor_id, started_at in UTC, verdict, latency_ms, reliable)
Sample = tuple[str, datetime, Verdict, float | None, bool]
Key = tuple[str, datetime]


def fold_hourly(samples: Iterable[Sample]) -> dict[Key, Rollup]:
    """The rollup of each (monitor, hour) the samples fall in."""
    hours: dict[Key, Rollup] = {}
    for monitor_id, at, verdict, latency_ms, reliable in samples:
        key = (monitor_id, hour_start(at))
        rollup = hours.get(key)
        if rollup is None:
            rollup = hours[key] = Rollup()
        rollup.add(verdict, latency_ms, reliable=reliable)
    return hours


def fold_daily(hours: Mapping[Key, Rollup]) -> dict[Key, Rollup]:
    """Hourly rollups summed into (monitor, UTC day) rollups."""
    days: dict[Key, Rollup] = {}
    for (monitor_id, hour), rollup in hours.items():
        key = (monitor_id, day_start(hour))
        days.setdefault(key, Rollup()).merge(rollup)
    return days
