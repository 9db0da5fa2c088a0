"""When a heartbeat is due and how a late one is described: pure functions of time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiccup.core.heartbeats import HeartbeatSchedule, lateness_message

NOON = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FIVE = HeartbeatSchedule(period=timedelta(minutes=5), grace=timedelta(minutes=1))


def test_it_is_due_one_period_and_the_grace_after_a_ping() -> None:
    assert FIVE.due_after_ping(NOON) == NOON + timedelta(minutes=6)


def test_a_missed_deadline_moves_one_period_along_the_grid() -> None:
    due = NOON + timedelta(minutes=6)
    assert FIVE.due_after_miss(due, due) == due + timedelta(minutes=5)


@given(
    late=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
    period_s=st.integers(min_value=1, max_value=86_400),
)
def test_the_next_deadline_after_a_miss_is_the_first_grid_slot_ahead(
    late: timedelta, period_s: int
) -> None:
    schedule = HeartbeatSchedule(period=timedelta(seconds=period_s))
    due = NOON
    following = schedule.due_after_miss(due, due + late)
    assert due + late < following <= due + late + schedule.period  # type: ignore[operator]
    assert (following - due) % timedelta(seconds=period_s) == timedelta(0)


def test_a_cron_schedule_counts_in_its_own_time_zone_across_a_dst_change() -> None:
    daily = HeartbeatSchedule(cron="30 2 * * *", grace=timedelta(0), time_zone="America/New_York")
    # 2026-03-08: New York skips 02:00-03:00; croniter moves that run to the next valid time.
    before = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    assert daily.next_expected(before) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    after = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)
    assert daily.next_expected(after) == datetime(2026, 3, 9, 6, 30, tzinfo=UTC)


def test_a_missed_cron_deadline_moves_to_the_next_run_still_ahead() -> None:
    hourly = HeartbeatSchedule(cron="0 * * * *", grace=timedelta(minutes=10))
    due = datetime(2026, 11, 22, 12, 10, tzinfo=UTC)
    now = datetime(2026, 11, 22, 15, 20, tzinfo=UTC)
    assert hourly.due_after_miss(due, now) == datetime(2026, 11, 22, 16, 10, tzinfo=UTC)


def test_it_names_the_run_it_missed_and_since_when_it_heard_nothing() -> None:
    seen = NOON - timedelta(minutes=7)
    message = lateness_message(seen, NOON, FIVE, seen + timedelta(minutes=6))
    assert message == (
        "missed its 11:58 UTC run (expected every 5m + 1m grace); no ping since 11:53 UTC"
    )


def test_it_gives_the_date_when_the_last_ping_was_another_day() -> None:
    seen = NOON - timedelta(days=1)
    message = lateness_message(seen, NOON, FIVE, NOON)
    assert message == (
        "missed its 11:59 UTC run (expected every 5m + 1m grace); "
        "no ping since 2026-11-21 12:00 UTC"
    )


def test_it_says_when_there_was_never_a_ping() -> None:
    cron = HeartbeatSchedule(cron="0 3 * * *", grace=timedelta(hours=1), time_zone="Europe/Berlin")
    due = NOON.replace(hour=3)  # 04:00 in Berlin: the 03:00 run plus an hour of grace
    message = lateness_message(None, NOON, cron, due, "Europe/Berlin")
    assert message == (
        "missed its 03:00 CET run (expected cron '0 3 * * *' (Europe/Berlin) + 1h grace); "
        "no ping yet"
    )


@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"period": timedelta(minutes=5), "cron": "* * * * *"},
        {"period": timedelta(0)},
        {"period": timedelta(minutes=5), "grace": timedelta(seconds=-1)},
    ],
)
def test_it_refuses_an_impossible_schedule(arguments: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"period|grace"):
        HeartbeatSchedule(**arguments)  # type: ignore[arg-type]
