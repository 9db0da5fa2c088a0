"""Uptime from downtime intervals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hiccup.core.uptime import Interval, covered, day_bounds, uptime_ratio

DAY = datetime(2026, 11, 4, tzinfo=UTC)


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


def test_overlapping_outages_are_counted_once() -> None:
    outages = [Interval(at(1), at(3)), Interval(at(2), at(4)), Interval(at(10), at(11))]
    assert covered(outages, at(0), at(24)) == timedelta(hours=4)


def test_an_ongoing_outage_runs_to_the_end_of_the_range() -> None:
    assert covered([Interval(at(20), None)], at(0), at(24)) == timedelta(hours=4)


def test_uptime_counts_only_monitored_time() -> None:
    ratio = uptime_ratio([Interval(at(12), at(13))], at(8), at(0), at(24))
    assert ratio is not None
    assert abs(ratio - (1 - 1 / 16)) < 1e-9
    assert uptime_ratio([], at(30), at(0), at(24)) is None


def test_a_day_is_bounded_in_the_page_zone() -> None:
    start, end = day_bounds(date(2026, 11, 4), "America/Los_Angeles")
    assert start.astimezone(UTC) == datetime(2026, 11, 4, 8, tzinfo=UTC)
    assert end - start == timedelta(days=1)
