"""Alerts decided in memory honour the rules' dependencies: a child down with its parent is
folded into the parent's alert, and listed again when the parent recovers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hiccup.core.detection import Track, Transition
from hiccup.core.status import MonitorState
from hiccup.notify.alert_book import AlertBook
from hiccup.store.alert_book import AlertRows
from hiccup.store.recording import TrackChange

AT = datetime(2026, 11, 4, 16, 10, tzinfo=UTC)
DOWN, UP = MonitorState.DOWN, MonitorState.UP


def monitor(monitor_id: str, name: str) -> dict[str, Any]:
    return {
        "id": monitor_id,
        "key": name,
        "name": name,
        "kind": "tcp",
        "target": "flexo.example:22",
        "interval_s": 30.0,
        "timeout_s": 5.0,
        "failure_threshold": 2,
        "component_key": None,
        "component_name": None,
        "page_name": "Flexo Hosting",
        "page_url": "",
        "time_zone": "UTC",
    }


def book() -> AlertBook:
    rule = {
        "id": "r1",
        "key": "rule-1",
        "channels": ["ops"],
        "monitors": [],
        "components": [],
        "events": ["down", "recovery"],
        "remind_every_s": None,
    }
    hook = {"id": "c1", "key": "ops", "kind": "webhook", "target": "http://x/", "options": {}}
    rows = AlertRows(
        [rule],
        [hook],
        [monitor("p", "flexo"), monitor("c", "flexo mail")],
        None,
        {"c": "p"},
        [],
    )
    return AlertBook.from_rows(rows)


def moved(
    monitor_id: str, previous: MonitorState, current: MonitorState, at: datetime
) -> TrackChange:
    return TrackChange(monitor_id, Track(current), at, Transition(previous, current, at, at))


def test_a_child_down_with_its_parent_is_folded_into_the_parents_alerts() -> None:
    alerts = book()
    tracks = {"p": Track(DOWN), "c": Track(DOWN)}
    parent_down = alerts.decide(moved("p", UP, DOWN, AT), tracks, "refused", AT)
    assert parent_down is not None
    assert parent_down.content["headline"] == "DOWN: flexo — also affected: flexo mail"
    assert parent_down.content["reason"] == "refused"
    assert alerts.decide(moved("c", UP, DOWN, AT), tracks, None, AT) is None, "held"

    later = AT + timedelta(minutes=5)
    tracks = {"p": Track(UP), "c": Track(DOWN)}
    recovered = alerts.decide(moved("p", DOWN, UP, later), tracks, None, later)
    assert recovered is not None
    assert recovered.content["headline"] == "UP: flexo — still down: flexo mail"
    assert recovered.key == f"alert:p:recovery:{later.isoformat()}"
    child_up = alerts.decide(moved("c", DOWN, UP, later), {"c": Track(UP)}, None, later)
    assert child_up is not None, "on its own from the parent's recovery on"
    assert child_up.content["event"] == "recovery"
