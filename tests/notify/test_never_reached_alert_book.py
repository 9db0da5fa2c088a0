"""The alert decided in memory (database away) says "never reached" as the outbox path does."""

from __future__ import annotations

from hiccup.core.detection import Track, Transition
from hiccup.store.recording import TrackChange
from tests.notify.test_alert_book import AT, DOWN, book


def _down(reached: bool) -> TrackChange:
    moved = Transition(Track().state, DOWN, AT, AT)
    return TrackChange("p", Track(DOWN), AT, moved, reached)


def test_a_monitor_never_reached_is_told_so_from_memory_too() -> None:
    alert = book().decide(_down(reached=False), {"p": Track(DOWN)}, "connection refused", AT)
    assert alert is not None
    assert alert.content["event"] == "down"
    assert alert.content["headline"] == "NEVER REACHED: flexo"
    assert alert.content["summary"] == (
        "flexo was never reached: check the target (connection refused)"
    )


def test_a_monitor_reached_before_is_down() -> None:
    alert = book().decide(_down(reached=True), {"p": Track(DOWN)}, "connection refused", AT)
    assert alert is not None
    assert alert.content["headline"] == "DOWN: flexo"
