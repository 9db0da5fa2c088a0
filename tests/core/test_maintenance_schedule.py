"""Maintenance schedules: one-off and recurring windows, in local time, and their wording."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hiccup.core.maintenance import (
    MaintenanceStatus,
    Schedule,
    Window,
    completed_body,
    downtime_within,
    occurrences,
    status_at,
)
from hiccup.core.uptime import Interval

LA = "America/Los_Angeles"


def test_a_one_off_window_is_placed_in_its_time_zone() -> None:
    # "At approximately 10:00 PM Pacific time tonight, October 23, flexo will be restarted."
    schedule = Schedule(datetime(2026, 10, 23, 22, 0), timedelta(minutes=10), LA)
    [window] = occurrences(
        schedule, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    )
    assert window.start == datetime(2026, 10, 24, 5, 0, tzinfo=UTC)
    assert window.end - window.start == timedelta(minutes=10)


def test_a_weekly_window_keeps_its_local_hour_across_daylight_saving() -> None:
    schedule = Schedule(
        datetime(2026, 10, 18, 22, 0), timedelta(hours=1), "Europe/Berlin", "FREQ=WEEKLY"
    )
    found = occurrences(
        schedule, datetime(2026, 10, 18, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
    )
    assert [w.start.astimezone(UTC).hour for w in found] == [20, 21, 21]  # CEST, then CET


def test_only_windows_overlapping_the_range_are_returned() -> None:
    schedule = Schedule(datetime(2026, 11, 1, 2, 0), timedelta(hours=2), "UTC", "FREQ=DAILY")
    lo = datetime(2026, 11, 5, 3, 0, tzinfo=UTC)
    found = occurrences(schedule, lo, lo + timedelta(days=2))
    assert found[0].start == datetime(2026, 11, 5, 2, 0, tzinfo=UTC)  # still going on at `lo`
    assert len(found) == 3


def test_status_follows_the_clock() -> None:
    window = Window(datetime(2026, 11, 4, 16, tzinfo=UTC), datetime(2026, 11, 4, 17, tzinfo=UTC))
    assert status_at(window, window.start - timedelta(seconds=1)) is MaintenanceStatus.SCHEDULED
    assert status_at(window, window.start) is MaintenanceStatus.IN_PROGRESS
    assert status_at(window, window.end) is MaintenanceStatus.COMPLETED


def test_completion_states_the_downtime_measured_inside_the_window() -> None:
    window = Window(datetime(2026, 11, 4, 16, tzinfo=UTC), datetime(2026, 11, 4, 17, tzinfo=UTC))
    outages = [
        Interval(
            window.start - timedelta(minutes=5), window.start + timedelta(minutes=3, seconds=40)
        )
    ]
    downtime = downtime_within(window, outages)
    assert downtime == timedelta(minutes=3, seconds=40)
    assert completed_body(downtime) == (
        "The scheduled maintenance has been completed; 3 minutes 40 seconds of downtime measured."
    )
    assert "no downtime" in completed_body(timedelta(0))


def test_a_window_over_a_clock_change_lasts_its_duration_and_is_in_utc() -> None:
    # 01:00 on the night Los Angeles falls back: two hours later it is 02:00 PST, not 03:00.
    schedule = Schedule(datetime(2026, 11, 1, 1, 0), timedelta(hours=2), LA)
    [window] = occurrences(
        schedule, datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
    )
    assert window.start == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)  # 01:00 PDT
    assert window.end == datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    assert window.start.tzinfo is UTC


@given(
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)),
    minutes=st.integers(min_value=1, max_value=3 * 24 * 60),
    zone=st.sampled_from(["UTC", LA, "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kathmandu"]),
    rrule=st.sampled_from([None, "FREQ=DAILY", "FREQ=WEEKLY"]),
)
def test_every_window_is_utc_and_exactly_as_long_as_planned(
    start: datetime, minutes: int, zone: str, rrule: str | None
) -> None:
    schedule = Schedule(start, timedelta(minutes=minutes), zone, rrule)
    lo = start.replace(tzinfo=UTC) - timedelta(days=2)
    for window in occurrences(schedule, lo, lo + timedelta(days=20)):
        assert window.start.tzinfo is UTC
        assert window.end - window.start == timedelta(minutes=minutes)
