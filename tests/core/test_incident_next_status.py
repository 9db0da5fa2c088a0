"""The update form's proposed status: the step after the current one."""

from __future__ import annotations

import pytest

from hiccup.core.incidents import IncidentStatus, next_status

S = IncidentStatus


@pytest.mark.parametrize(
    ("current", "proposed"),
    [
        (S.INVESTIGATING, S.IDENTIFIED),
        (S.IDENTIFIED, S.MONITORING),
        (S.MONITORING, S.RESOLVED),
        (S.RESOLVED, S.RESOLVED),
        (S.POSTMORTEM, S.RESOLVED),
    ],
)
def test_the_next_step_follows_the_lifecycle(current: S, proposed: S) -> None:
    assert next_status(current) is proposed
