"""The probe wire: what the server sends may grow (a probe ignores fields it does not know),
what a probe sends is checked strictly; a monitor's retry interval travels only when set."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from pydantic import ValidationError

from hiccup.core.monitors import MonitorSpec
from hiccup.probe.wire import AssignedMonitor, Assignments, ResultBatch

SPEC = MonitorSpec(
    "m1", "flexo http", "http", "http://flexo/", timedelta(minutes=5), timedelta(seconds=10)
)


def test_a_retry_interval_travels_to_the_probe_and_back_into_its_spec() -> None:
    spec = replace(SPEC, retry_interval=timedelta(seconds=20))
    assert AssignedMonitor.of(spec).spec() == spec


def test_without_a_retry_interval_the_field_is_not_sent() -> None:
    sent = Assignments(probe="eu-1", region="eu", monitors=[AssignedMonitor.of(SPEC)])
    body = json.loads(sent.model_dump_json(exclude_none=True))
    assert "retry_interval_s" not in body["monitors"][0]
    assert Assignments.model_validate(body).monitors[0].spec() == SPEC


def test_a_probe_ignores_fields_a_newer_server_adds() -> None:
    body = {
        "probe": "eu-1",
        "region": "eu",
        "from_the_future": True,
        "monitors": [{**AssignedMonitor.of(SPEC).model_dump(), "also_new": 1}],
    }
    assert Assignments.model_validate(body).monitors[0].spec() == SPEC


def test_the_server_still_refuses_unknown_fields_from_a_probe() -> None:
    with pytest.raises(ValidationError, match="surprise"):
        ResultBatch.model_validate({"results": [], "surprise": 1})
