"""Default confirmation: retries a few seconds apart, and a timed-out run judged by its timeout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hiccup.core.detection import DetectionPolicy, Track, step
from hiccup.core.monitors import DEFAULT_RETRY_INTERVAL, MonitorSpec
from hiccup.core.status import MonitorState, Verdict

T0 = datetime(2026, 11, 4, 16, 0, tzinfo=UTC)
UP = Track(state=MonitorState.UP, ok_streak=5, not_failed_streak=5)


def spec(
    interval: float = 20,
    timeout: float = 10,
    retry: float | None = None,
    probes: tuple[str, ...] = ("local",),
) -> MonitorSpec:
    return MonitorSpec(
        "m1",
        "m1",
        "http",
        "http://127.0.0.1/",
        timedelta(seconds=interval),
        timedelta(seconds=timeout),
        probes=probes,
        retry_interval=None if retry is None else timedelta(seconds=retry),
    )


def test_a_monitor_checked_from_one_place_retries_at_the_default_pace() -> None:
    assert spec().retry_pace == DEFAULT_RETRY_INTERVAL


def test_its_own_retry_interval_wins() -> None:
    assert spec(retry=7).retry_pace == timedelta(seconds=7)


def test_a_voted_monitor_keeps_its_interval() -> None:
    assert spec(probes=("eu", "us")).retry_pace is None


def test_a_monitor_checked_this_often_already_keeps_its_interval() -> None:
    assert spec(interval=DEFAULT_RETRY_INTERVAL.total_seconds()).retry_pace is None


def test_a_timeout_counts_for_every_retry_it_spans() -> None:
    assert spec(timeout=10).timeout_weight() == 3  # itself, and two retries 4 s apart
    assert spec(timeout=3).timeout_weight() == 1
    assert spec(probes=("eu", "us")).timeout_weight() == 1


def test_a_hanging_target_is_down_after_one_default_timeout() -> None:
    track, move = step(UP, Verdict.FAILED, T0, DetectionPolicy(), spec().timeout_weight())
    assert track.state is MonitorState.DOWN
    assert move is not None
    assert move.started_at == T0


def test_one_failed_answer_is_still_a_blip() -> None:
    track, move = step(UP, Verdict.FAILED, T0, DetectionPolicy())
    assert track.state is MonitorState.UP
    assert move is None


@given(st.integers(min_value=1, max_value=10))
def test_a_weight_never_makes_a_good_result_count_against_it(weight: int) -> None:
    track, move = step(UP, Verdict.OK, T0, DetectionPolicy(), weight)
    assert track.state is MonitorState.UP
    assert move is None
    assert track.failed_streak == 0
    assert track.ok_streak == UP.ok_streak + 1
