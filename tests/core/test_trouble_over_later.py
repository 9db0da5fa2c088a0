"""Whether transitions still waiting end a component's trouble before it is told."""

from __future__ import annotations

from hiccup.core.incidents import trouble_over_later
from hiccup.core.status import MonitorState

UP, DOWN, DEGRADED = MonitorState.UP, MonitorState.DOWN, MonitorState.DEGRADED


def test_a_recovery_waiting_ends_the_outage() -> None:
    assert trouble_over_later({"http": DOWN}, [("http", UP)])


def test_an_outage_still_going_on_is_not_over() -> None:
    assert not trouble_over_later({"http": DOWN}, [("http", DEGRADED)])
    assert not trouble_over_later({"http": DOWN}, [])


def test_every_monitor_of_the_component_must_recover() -> None:
    both_down = {"http": DOWN, "ssh": DOWN}
    assert not trouble_over_later(both_down, [("http", UP)])
    assert trouble_over_later(both_down, [("http", UP), ("ssh", UP)])


def test_other_components_monitors_do_not_count() -> None:
    assert not trouble_over_later({"http": DOWN}, [("elsewhere", UP)])


def test_a_component_not_in_trouble_has_nothing_to_end() -> None:
    assert not trouble_over_later({"http": UP}, [("http", DOWN), ("http", UP)])
