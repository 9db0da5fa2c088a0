"""The page's daily bars: one sweep per component gives what asking each day would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hiccup.core.bars import day_bars, merge, per_window, quiet
from hiccup.core.public import DayUptime
from hiccup.core.uptime import Interval, covered

T0 = datetime(2026, 11, 1, tzinfo=UTC)

DAY = 86400.0

spans = st.lists(st.tuples(st.integers(0, 6 * 24), st.integers(0, 48)), max_size=10).map(
    lambda items: [(h * 3600.0, (h + n) * 3600.0) for h, n in items]
)


def windows_for(days: int, since: float, now: float) -> list[tuple[float, float]]:
    """Days clipped to when monitoring began and to now, as the page asks for them."""
    return [(max(k * DAY, since), min((k + 1) * DAY, now)) for k in range(days)]


def moment(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@given(
    down=spans,
    days=st.integers(1, 6),
    since_h=st.integers(0, 7 * 24),
    now_h=st.integers(0, 7 * 24),
)
def test_per_window_equals_asking_each_day(
    down: list[tuple[float, float]], days: int, since_h: int, now_h: int
) -> None:
    windows = windows_for(days, since_h * 3600.0, now_h * 3600.0)
    intervals = [Interval(moment(a), moment(b)) for a, b in down]
    expected = [
        covered(intervals, moment(lo), moment(hi)).total_seconds() if hi > lo else 0.0
        for lo, hi in windows
    ]
    found = per_window(merge(down), windows)
    assert [found.get(i, 0.0) for i in range(len(windows))] == expected
    assert all(seconds > 0 for seconds in found.values())


def test_merging_joins_overlapping_and_touching_spans() -> None:
    assert merge([(5, 9), (0, 2), (1, 3), (3, 4), (7, 8), (10, 10)]) == [(0, 4), (5, 9)]


def test_a_day_has_its_share_of_downtime_and_its_incident_names() -> None:
    days = [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
    windows = [(0.0, 86400.0), (86400.0, 2 * 86400.0), (2 * 86400.0, 2 * 86400.0 + 3600)]
    names = [(), ("API down",), ()]
    down = [(86400.0 - 600, 86400.0 + 1200)]  # 10 minutes before midnight, 20 after
    bars = day_bars(days, windows, down, [(0.0, 60.0)], names, quiet(days))
    assert bars[0] == DayUptime(days[0], 1 - 600 / 86400, 600, 60)
    assert bars[1] == DayUptime(days[1], 1 - 1200 / 86400, 1200, 0, ("API down",))
    assert bars[2] == DayUptime(days[2], 1.0)  # today, an hour old, quiet so far


def test_quiet_days_share_one_figure_and_unmonitored_days_have_none() -> None:
    days = [date(2026, 11, 1), date(2026, 11, 2)]
    clean = quiet(days)
    bars = day_bars(days, [(10.0, 5.0), (86400.0, 172800.0)], [], [], [(), ()], clean)
    assert bars[0] == DayUptime(days[0], None)
    assert bars[1] is clean[1]
