"""Component and group status from monitors, and the page indicator."""

from __future__ import annotations

import pytest

from hiccup.core.components import group_status, status_from_counts, status_from_monitors
from hiccup.core.status import (
    ComponentStatus as C,
)
from hiccup.core.status import (
    IncidentImpact,
    MonitorState,
    PageIndicator,
    impact_for_status,
    indicator_description,
    page_indicator,
    worse_impact,
)

UP, DOWN, SLOW, NEW = (
    MonitorState.UP,
    MonitorState.DOWN,
    MonitorState.DEGRADED,
    MonitorState.UNKNOWN,
)


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([], C.OPERATIONAL),
        ([NEW], C.OPERATIONAL),
        ([UP, UP], C.OPERATIONAL),
        ([DOWN], C.MAJOR_OUTAGE),
        ([DOWN, NEW], C.MAJOR_OUTAGE),
        ([DOWN, UP], C.PARTIAL_OUTAGE),
        ([SLOW, UP], C.DEGRADED_PERFORMANCE),
        ([SLOW, DOWN], C.PARTIAL_OUTAGE),
    ],
)
def test_component_status_follows_its_monitors(states: list[MonitorState], expected: C) -> None:
    assert status_from_monitors(states) is expected


def test_a_group_with_some_members_down_is_in_partial_outage() -> None:
    assert group_status([C.OPERATIONAL, C.MAJOR_OUTAGE, C.OPERATIONAL]) is C.PARTIAL_OUTAGE


def test_a_group_with_every_member_down_is_in_major_outage() -> None:
    assert group_status([C.MAJOR_OUTAGE, C.MAJOR_OUTAGE]) is C.MAJOR_OUTAGE


def test_a_group_takes_the_worst_lesser_status_of_its_members() -> None:
    assert group_status([C.OPERATIONAL, C.DEGRADED_PERFORMANCE]) is C.DEGRADED_PERFORMANCE
    assert group_status([]) is C.OPERATIONAL


@pytest.mark.parametrize(
    ("statuses", "indicator", "description"),
    [
        ([C.OPERATIONAL], PageIndicator.NONE, "All Systems Operational"),
        ([C.OPERATIONAL, C.DEGRADED_PERFORMANCE], PageIndicator.MINOR, "Minor Service Outage"),
        ([C.PARTIAL_OUTAGE, C.UNDER_MAINTENANCE], PageIndicator.MAJOR, "Partial System Outage"),
        ([C.MAJOR_OUTAGE], PageIndicator.CRITICAL, "Major System Outage"),
        ([C.UNDER_MAINTENANCE], PageIndicator.MAINTENANCE, "Service Under Maintenance"),
    ],
)
def test_page_indicator_is_the_worst_component(
    statuses: list[C], indicator: PageIndicator, description: str
) -> None:
    assert page_indicator(statuses) is indicator
    assert indicator_description(indicator) == description


def test_an_open_incident_raises_the_indicator() -> None:
    assert page_indicator([C.OPERATIONAL], [IncidentImpact.MAJOR]) is PageIndicator.MAJOR


def test_incident_impact_follows_component_status() -> None:
    assert impact_for_status(C.MAJOR_OUTAGE) is IncidentImpact.CRITICAL
    assert impact_for_status(C.PARTIAL_OUTAGE) is IncidentImpact.MAJOR
    assert impact_for_status(C.DEGRADED_PERFORMANCE) is IncidentImpact.MINOR
    assert impact_for_status(C.OPERATIONAL) is IncidentImpact.NONE
    assert worse_impact(IncidentImpact.MINOR, IncidentImpact.CRITICAL) is IncidentImpact.CRITICAL
    assert worse_impact(IncidentImpact.MAJOR, IncidentImpact.MINOR) is IncidentImpact.MAJOR


def test_it_reads_a_status_from_counts_as_a_group_by_gives_them() -> None:
    down, up, unknown = MonitorState.DOWN, MonitorState.UP, MonitorState.UNKNOWN
    assert status_from_counts({down: 3, unknown: 5}) is C.MAJOR_OUTAGE
    assert status_from_counts({down: 1, up: 9_999}) is C.PARTIAL_OUTAGE
    assert status_from_counts({MonitorState.DEGRADED: 1, up: 2}) is C.DEGRADED_PERFORMANCE
    assert status_from_counts({down: 0, up: 2}) is C.OPERATIONAL
    assert status_from_counts({}) is C.OPERATIONAL
