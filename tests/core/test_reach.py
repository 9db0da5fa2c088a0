"""Which check has answered once: kept in the track, by kind and target."""

from __future__ import annotations

from datetime import UTC, datetime

from hiccup.core.detection import Track
from hiccup.core.reach import REACHED_BEFORE, is_reached, note_result, public_state
from hiccup.core.status import MonitorState, Verdict
from hiccup.store.codec import track_from_json, track_to_json

URL = "http://127.0.0.1:8080/"


def test_a_new_track_is_not_reached_until_the_check_answers() -> None:
    track = Track()
    assert not is_reached(track, "http", URL)
    failed = note_result(track, Verdict.FAILED, "http", URL)
    assert not is_reached(failed, "http", URL)
    slow = note_result(failed, Verdict.DEGRADED, "http", URL)  # slow, but it answered
    assert is_reached(slow, "http", URL)


def test_another_kind_or_target_is_not_reached() -> None:
    track = note_result(Track(), Verdict.OK, "http", URL)
    assert not is_reached(track, "http", URL + "x")
    assert not is_reached(track, "tcp", URL)


def test_a_track_stored_before_reach_was_kept_counts_as_reached_and_is_pinned() -> None:
    stored = track_to_json(Track(state=MonitorState.DOWN))
    del stored["reached_for"]
    legacy = track_from_json(stored)
    assert legacy.reached_for == REACHED_BEFORE
    assert is_reached(legacy, "http", URL)
    pinned = note_result(legacy, Verdict.FAILED, "http", URL)  # pinned to the check it runs
    assert is_reached(pinned, "http", URL)
    assert not is_reached(pinned, "http", URL + "x")


def test_the_track_keeps_it_through_json() -> None:
    track = note_result(Track(changed_at=datetime(2026, 12, 5, tzinfo=UTC)), Verdict.OK, "dns", "a")
    assert track_from_json(track_to_json(track)) == track
    assert track_from_json(track_to_json(Track())).reached_for is None


def test_trouble_before_reaching_is_not_the_pages() -> None:
    assert public_state(MonitorState.DOWN, reached=False) is MonitorState.UNKNOWN
    assert public_state(MonitorState.DEGRADED, reached=False) is MonitorState.UNKNOWN
    assert public_state(MonitorState.UP, reached=False) is MonitorState.UP
    assert public_state(MonitorState.DOWN, reached=True) is MonitorState.DOWN
