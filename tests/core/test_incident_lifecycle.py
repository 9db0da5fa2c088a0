"""Incident lifecycle rules and the wording of automatic incidents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hiccup.core.incidents import (
    IncidentAction,
    IncidentStatus,
    auto_incident_action,
    auto_title,
    can_move,
    opening_body,
    resolution_body,
)
from hiccup.core.status import ComponentStatus as C

S = IncidentStatus


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (S.INVESTIGATING, S.IDENTIFIED, True),
        (S.INVESTIGATING, S.RESOLVED, True),
        (S.MONITORING, S.INVESTIGATING, True),
        (S.INVESTIGATING, S.POSTMORTEM, False),
        (S.RESOLVED, S.POSTMORTEM, True),
        (S.RESOLVED, S.INVESTIGATING, False),
        (S.POSTMORTEM, S.RESOLVED, False),
    ],
)
def test_incident_status_moves(current: S, target: S, allowed: bool) -> None:
    assert can_move(current, target) is allowed


@pytest.mark.parametrize(
    ("has_open", "previous", "current", "action"),
    [
        (False, C.OPERATIONAL, C.MAJOR_OUTAGE, IncidentAction.OPEN),
        (False, C.OPERATIONAL, C.DEGRADED_PERFORMANCE, IncidentAction.OPEN),
        (False, C.MAJOR_OUTAGE, C.OPERATIONAL, IncidentAction.NONE),
        (True, C.DEGRADED_PERFORMANCE, C.MAJOR_OUTAGE, IncidentAction.UPDATE),
        (True, C.MAJOR_OUTAGE, C.MAJOR_OUTAGE, IncidentAction.NONE),
        (True, C.MAJOR_OUTAGE, C.OPERATIONAL, IncidentAction.RESOLVE),
        (False, C.OPERATIONAL, C.UNDER_MAINTENANCE, IncidentAction.NONE),
    ],
)
def test_one_incident_per_outage(
    has_open: bool, previous: C, current: C, action: IncidentAction
) -> None:
    assert auto_incident_action(has_open, previous, current) is action


def test_automatic_wording_names_the_component_and_the_measured_window() -> None:
    start = datetime(2026, 11, 4, 16, 10, 5, tzinfo=UTC)
    end = start + timedelta(minutes=24)
    assert auto_title("flexo", C.MAJOR_OUTAGE) == "flexo is unavailable"
    assert "since 16:10 UTC" in opening_body("flexo", C.MAJOR_OUTAGE, start, "UTC")
    assert "16:10–16:34 UTC, 24 minutes" in resolution_body("flexo", start, end, "UTC")


def test_windows_are_told_in_the_page_time_zone() -> None:
    start = datetime(2013, 8, 12, 16, 48, tzinfo=UTC)
    body = resolution_body("flexo", start, start + timedelta(minutes=4), "America/Los_Angeles")
    assert "09:48–09:52 PDT, 4 minutes" in body
