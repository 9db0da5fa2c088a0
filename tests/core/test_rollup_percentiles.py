"""Rollups: counts by verdict, exact min/max/sum, and histogram percentiles within a bucket."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hiccup.core.rollup import (
    BUCKET_RATIO,
    HISTOGRAM_BOUNDS_MS,
    Rollup,
    bucket_of,
    bucket_range,
    fold_daily,
    fold_hourly,
    merged,
)
from hiccup.core.status import Verdict

latencies = st.lists(
    st.floats(min_value=0, max_value=200_000, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=300,
)
quantiles = st.sampled_from([0.5, 0.95, 0.99, 0.01, 1.0])


def exact(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def rollup_of(values: list[float]) -> Rollup:
    rollup = Rollup()
    for value in values:
        rollup.add(Verdict.OK, value)
    return rollup


@given(values=latencies, q=quantiles)
def test_a_percentile_lies_in_the_bucket_of_the_exact_one(values: list[float], q: float) -> None:
    estimate = rollup_of(values).percentile(q)
    truth = exact(values, q)
    assert estimate is not None
    lower, upper = bucket_range(bucket_of(truth))
    assert lower <= estimate <= upper
    assert min(values) <= estimate <= max(values)
    # Within one bucket's resolution (the first bucket is absolute: 0 to 0.1 ms; past 100 s
    # the overflow bucket only promises a value between 100 s and the maximum).
    if truth <= HISTOGRAM_BOUNDS_MS[-1]:
        assert abs(estimate - truth) <= max(truth * (BUCKET_RATIO - 1), HISTOGRAM_BOUNDS_MS[0])


@given(first=latencies, second=latencies, q=quantiles)
def test_merging_rollups_equals_rolling_up_everything(
    first: list[float], second: list[float], q: float
) -> None:
    both = merged([rollup_of(first), rollup_of(second)])
    whole = rollup_of(first + second)
    assert both.histogram == whole.histogram
    assert both.latency_min == whole.latency_min
    assert both.latency_max == whole.latency_max
    assert both.latency_count == whole.latency_count
    assert both.percentile(q) == whole.percentile(q)


def test_each_latency_falls_in_the_bucket_that_holds_it() -> None:
    assert bucket_of(0) == 0
    assert bucket_of(0.1) == 0
    assert bucket_of(1.0) == 20
    assert bucket_of(1.01) == 21
    assert bucket_of(1e9) == len(HISTOGRAM_BOUNDS_MS)
    assert bucket_range(len(HISTOGRAM_BOUNDS_MS))[1] == math.inf


def test_verdicts_are_counted_and_unreliable_results_kept_apart() -> None:
    rollup = Rollup()
    rollup.add(Verdict.OK, 10.0)
    rollup.add(Verdict.DEGRADED, 900.0)
    rollup.add(Verdict.FAILED, None)
    rollup.add(Verdict.FAILED, 5000.0, reliable=False)
    assert (rollup.ok, rollup.degraded, rollup.failed, rollup.unreliable) == (1, 1, 1, 1)
    assert rollup.total == 4
    # The unreliable run's latency measures Hiccup's own lag; it stays out of the figures.
    assert (rollup.latency_count, rollup.latency_max, rollup.mean_ms) == (2, 900.0, 455.0)


def test_an_empty_rollup_has_no_percentiles() -> None:
    assert Rollup().percentile(0.5) is None
    assert Rollup().mean_ms is None


def test_results_fold_into_hours_and_hours_into_utc_days() -> None:
    base = datetime(2026, 10, 31, 22, 59, tzinfo=UTC)
    samples = [
        ("m1", base, Verdict.OK, 10.0, True),
        ("m1", base + timedelta(minutes=1), Verdict.FAILED, None, True),  # 23:00
        ("m1", base + timedelta(minutes=61), Verdict.OK, 30.0, True),  # next day 00:00
        ("m2", base, Verdict.DEGRADED, 20.0, True),
    ]
    hours = fold_hourly(samples)
    assert sorted(hours) == [
        ("m1", datetime(2026, 10, 31, 22, tzinfo=UTC)),
        ("m1", datetime(2026, 10, 31, 23, tzinfo=UTC)),
        ("m1", datetime(2026, 11, 1, 0, tzinfo=UTC)),
        ("m2", datetime(2026, 10, 31, 22, tzinfo=UTC)),
    ]
    days = fold_daily(hours)
    october = days[("m1", datetime(2026, 10, 31, tzinfo=UTC))]
    assert (october.ok, october.failed, october.latency_sum) == (1, 1, 10.0)
    assert days[("m1", datetime(2026, 11, 1, tzinfo=UTC))].ok == 1
    assert days[("m2", datetime(2026, 10, 31, tzinfo=UTC))].degraded == 1
