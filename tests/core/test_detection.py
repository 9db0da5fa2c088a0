"""The monitor state machine: confirmation, recovery, measured windows, invariants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hiccup.core.detection import DetectionPolicy, Track, Transition, classify, step
from hiccup.core.status import MonitorState, Verdict

T0 = datetime(2026, 11, 4, 16, 0, tzinfo=UTC)
POLICY = DetectionPolicy(failure_threshold=3, success_threshold=2)


def feed(
    verdicts: list[Verdict], policy: DetectionPolicy = POLICY, start: Track | None = None
) -> tuple[Track, list[Transition]]:
    track, moves = start or Track(), []
    for minute, verdict in enumerate(verdicts):
        track, move = step(track, verdict, T0 + timedelta(minutes=minute), policy)
        if move:
            moves.append(move)
    return track, moves


OK, BAD, SLOW = Verdict.OK, Verdict.FAILED, Verdict.DEGRADED


def test_it_comes_up_on_the_first_good_result() -> None:
    track, moves = feed([OK])
    assert track.state is MonitorState.UP
    assert [m.current for m in moves] == [MonitorState.UP]


def test_it_marks_monitor_down_after_three_failures() -> None:
    track, moves = feed([OK, BAD, BAD, BAD])
    assert track.state is MonitorState.DOWN
    assert moves[-1] == Transition(
        MonitorState.UP, MonitorState.DOWN, T0 + timedelta(minutes=1), T0 + timedelta(minutes=3)
    )


def test_a_blip_is_not_an_outage() -> None:
    track, moves = feed([OK, BAD, BAD, OK, BAD, BAD, OK])
    assert track.state is MonitorState.UP
    assert len(moves) == 1


def test_recovery_needs_two_good_results_and_dates_from_the_first() -> None:
    track, moves = feed([OK, BAD, BAD, BAD, OK, BAD, OK, OK])
    assert track.state is MonitorState.UP
    recovery = moves[-1]
    assert (recovery.previous, recovery.current) == (MonitorState.DOWN, MonitorState.UP)
    assert recovery.started_at == T0 + timedelta(minutes=6)
    assert recovery.confirmed_at == T0 + timedelta(minutes=7)


def test_slow_answers_make_it_degraded_then_failures_make_it_down() -> None:
    _, moves = feed([OK, SLOW, SLOW, SLOW, BAD, BAD, BAD])
    assert [m.current for m in moves] == [MonitorState.UP, MonitorState.DEGRADED, MonitorState.DOWN]
    assert moves[2].started_at == T0 + timedelta(minutes=4)


def test_a_down_monitor_answering_slowly_is_degraded_not_up() -> None:
    track, _ = feed([OK, BAD, BAD, BAD, SLOW, SLOW])
    assert track.state is MonitorState.DEGRADED


def test_it_never_starts_down_before_the_threshold() -> None:
    track, moves = feed([BAD, BAD])
    assert track.state is MonitorState.UNKNOWN
    assert moves == []


def test_thresholds_of_one_react_at_once() -> None:
    policy = DetectionPolicy(failure_threshold=1, success_threshold=1)
    _, moves = feed([OK, BAD, OK], policy)
    assert [m.current for m in moves] == [MonitorState.UP, MonitorState.DOWN, MonitorState.UP]


def test_latency_over_the_threshold_is_degraded() -> None:
    policy = DetectionPolicy(degraded_latency_ms=500)
    assert classify(True, 800, policy) is Verdict.DEGRADED
    assert classify(True, 200, policy) is Verdict.OK
    assert classify(False, 10, policy) is Verdict.FAILED
    assert classify(True, 10_000, DetectionPolicy()) is Verdict.OK
    assert classify(True, 5, DetectionPolicy(), degraded=True) is Verdict.DEGRADED
    assert classify(False, 5, DetectionPolicy(), degraded=True) is Verdict.FAILED


verdicts = st.lists(st.sampled_from(list(Verdict)), max_size=60)
policies = st.builds(DetectionPolicy, st.integers(1, 5), st.integers(1, 5))


@given(verdicts, policies)
def test_down_is_only_ever_confirmed_by_a_full_streak_of_failures(
    seq: list[Verdict], policy: DetectionPolicy
) -> None:
    track = Track()
    for i, verdict in enumerate(seq):
        track, move = step(track, verdict, T0 + timedelta(seconds=i), policy)
        if move and move.current is MonitorState.DOWN:
            window = seq[i - policy.failure_threshold + 1 : i + 1]
            assert len(window) == policy.failure_threshold
            assert all(v is Verdict.FAILED for v in window)


@given(verdicts, policies)
def test_transitions_chain_and_never_date_from_the_future(
    seq: list[Verdict], policy: DetectionPolicy
) -> None:
    track, state = Track(), MonitorState.UNKNOWN
    for i, verdict in enumerate(seq):
        at = T0 + timedelta(seconds=i)
        track, move = step(track, verdict, at, policy)
        if move:
            assert move.previous is state
            assert move.current is not move.previous
            assert move.started_at <= move.confirmed_at == at
            state = move.current
        assert track.state is state


@given(st.lists(st.sampled_from([Verdict.OK, Verdict.FAILED]), max_size=60), policies)
def test_an_up_monitor_with_fewer_failures_than_the_threshold_stays_up(
    seq: list[Verdict], policy: DetectionPolicy
) -> None:
    track, _ = feed([OK], policy)
    longest = 0
    for i, verdict in enumerate(seq):
        track, _move = step(track, verdict, T0 + timedelta(seconds=i + 1), policy)
        longest = longest + 1 if verdict is Verdict.FAILED else 0
        if longest >= policy.failure_threshold:
            return
        assert track.state is MonitorState.UP
