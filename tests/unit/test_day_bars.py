"""The page's daily bars: one sweep per component gives what asking each day would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hiccup.core.bars import day_bars, merge, per_window, quiet
from hiccup.core.public import DayUptime
from hiccup.core.uptime import Interval, covered

T0 = datetime(2026, 11, 1, tzinfo=UTC)

spans = st.lists(st.tuples(st.integers(0, 300), st.integers(0, 80)), max_size=10).map(
    lambda items: [(float(s), float(s + n)) for s, n in items]
)
gaps = st.lists(st.tuples(st.integers(0, 30), st.integers(-5, 60)), max_size=10)


def windows_from(items: list[tuple[int, int]]) -> list[tuple[float, float]]:
    """Sorted, non-overlapping windows; some empty, as days not monitored yet are."""
    cursor, out = 0, []
    for gap, width in items:
        cursor += gap
        out.append((float(cursor), float(cursor + width)))
        cursor += max(width, 0)
    return out


def moment(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@given(down=spans, items=gaps)
def test_per_window_equals_asking_each_window(
    down: list[tuple[float, float]], items: list[tuple[int, int]]
) -> None:
    windows = windows_from(items)
    intervals = [Interval(moment(a), moment(b)) for a, b in down]
    expected = [
        covered(intervals, moment(lo), moment(hi)).total_seconds() if hi > lo else 0.0
        for lo, hi in windows
    ]
    assert per_window(merge(down), windows) == expected


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
