"""The page while results cannot be written: statuses decided in memory over the last state."""

from __future__ import annotations

from dataclasses import replace

from hiccup.core.delayed import MemoryStatus, component_statuses, with_memory
from hiccup.core.public import PublicState
from hiccup.core.status import ComponentStatus, MonitorState, PageIndicator
from hiccup.snapshot.render import render_page
from tests.support.public_fixtures import NOW, make_state

MAJOR, OPERATIONAL = ComponentStatus.MAJOR_OUTAGE, ComponentStatus.OPERATIONAL


def calm() -> PublicState:
    state = make_state(open_incidents=(), indicator=PageIndicator.NONE)
    return replace(
        state, components=tuple(replace(c, status=OPERATIONAL) for c in state.components)
    )


def test_a_component_shows_the_outage_its_checks_confirmed_and_its_group_follows() -> None:
    shown = with_memory(calm(), MemoryStatus(NOW, {"flexo": MAJOR}))
    assert shown.component("flexo").status is MAJOR
    assert shown.component("web").status is ComponentStatus.PARTIAL_OUTAGE
    assert shown.indicator is PageIndicator.CRITICAL
    assert shown.delayed_since == NOW


def test_maintenance_stands_over_what_the_checks_say() -> None:
    state = calm()
    held = replace(
        state,
        components=tuple(
            replace(c, status=ComponentStatus.UNDER_MAINTENANCE) if c.id == "flexo" else c
            for c in state.components
        ),
    )
    shown = with_memory(held, MemoryStatus(NOW, {"flexo": MAJOR}))
    assert shown.component("flexo").status is ComponentStatus.UNDER_MAINTENANCE


def test_the_page_says_updates_are_delayed() -> None:
    shown = with_memory(calm(), MemoryStatus(NOW, {"flexo": MAJOR}))
    assert "Updates are delayed since" in render_page(shown)
    assert "Updates are delayed since" not in render_page(calm())


def test_statuses_come_from_every_monitor_of_a_component() -> None:
    states = [("flexo", MonitorState.DOWN), ("flexo", MonitorState.UP), ("amy", MonitorState.UP)]
    assert component_statuses(states) == {
        "flexo": ComponentStatus.PARTIAL_OUTAGE,
        "amy": OPERATIONAL,
    }
