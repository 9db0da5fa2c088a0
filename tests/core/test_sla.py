"""SLA from downtime intervals, with maintenance windows excluded from downtime and total."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiccup.core.sla import month_bounds, sla
from hiccup.core.uptime import Interval, uptime_ratio

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


spans = st.lists(st.tuples(st.integers(0, 200), st.integers(0, 60), st.booleans()), max_size=8).map(
    lambda items: [Interval(at(s), None if open_ else at(s + n)) for s, n, open_ in items]
)


def minutes_in(intervals: list[Interval], minute: int, hi: int) -> bool:
    moment = at(minute)
    return any(i.start <= moment < (i.end or at(hi)) for i in intervals)


@given(down=spans, excluded=spans, lo=st.integers(0, 100), width=st.integers(0, 150))
def test_it_matches_counting_minute_by_minute(
    down: list[Interval], excluded: list[Interval], lo: int, width: int
) -> None:
    # Every edge sits on a whole minute, so a minute grid is exact.
    hi = lo + width
    figures = sla(down, at(0), at(lo), at(hi), excluded)
    counted = [m for m in range(lo, hi) if not minutes_in(excluded, m, hi)]
    assert figures.monitored == timedelta(minutes=len(counted))
    failing = [m for m in counted if minutes_in(down, m, hi)]
    assert figures.downtime == timedelta(minutes=len(failing))
    assert figures.outages <= len(down)
    assert (figures.outages == 0) == (not failing)


@given(down=spans, lo=st.integers(0, 100), width=st.integers(1, 150))
def test_without_exclusions_it_agrees_with_the_page_bars(
    down: list[Interval], lo: int, width: int
) -> None:
    figures = sla(down, at(30), at(lo), at(lo + width))
    assert figures.uptime == pytest.approx(uptime_ratio(down, at(30), at(lo), at(lo + width)))


def test_an_outage_inside_a_maintenance_window_does_not_count() -> None:
    down = [Interval(at(60), at(90)), Interval(at(200), at(210))]
    window = [Interval(at(55), at(95))]
    figures = sla(down, at(0), at(0), at(1000), excluded=window)
    assert figures.downtime == timedelta(minutes=10)
    assert figures.outages == 1
    assert figures.monitored == timedelta(minutes=1000 - 40)
    assert figures.uptime == pytest.approx(1 - 10 / 960)


def test_an_outage_cut_by_a_window_counts_once() -> None:
    figures = sla([Interval(at(10), at(50))], at(0), at(0), at(100), [Interval(at(20), at(30))])
    assert (figures.outages, figures.downtime) == (1, timedelta(minutes=30))


def test_overlapping_outages_of_two_monitors_count_as_one_stretch() -> None:
    down = [Interval(at(10), at(30)), Interval(at(20), at(40))]
    figures = sla(down, at(0), at(0), at(100))
    assert (figures.outages, figures.downtime) == (1, timedelta(minutes=30))


def test_an_ongoing_outage_runs_to_the_end_of_the_range() -> None:
    figures = sla([Interval(at(90), None)], at(0), at(0), at(100))
    assert figures.downtime == timedelta(minutes=10)


def test_nothing_monitored_has_no_uptime() -> None:
    assert sla([], None, at(0), at(100)).uptime is None
    assert sla([], at(200), at(0), at(100)).uptime is None
    assert sla([], at(0), at(0), at(100), [Interval(at(0), at(100))]).uptime is None


def test_time_before_monitoring_began_is_not_counted() -> None:
    figures = sla([Interval(at(0), at(50))], at(40), at(0), at(100))
    assert figures.monitored == timedelta(minutes=60)
    assert figures.downtime == timedelta(minutes=10)


def test_a_month_is_bounded_in_utc() -> None:
    assert month_bounds("2026-10") == (T0, datetime(2026, 11, 1, tzinfo=UTC))
    assert month_bounds("2026-12")[1] == datetime(2027, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "October", "2026-00"])
def test_a_bad_month_is_refused_with_the_expected_form(bad: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_bounds(bad)
