"""The probe wire: what the server sends may grow (a probe ignores fields it does not know),
what a probe sends is checked strictly; a monitor's retry interval travels only when set."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from hiccup.checks.base import CheckResult
from hiccup.core.monitors import MonitorSpec
from hiccup.probe.wire import AssignedMonitor, Assignments, ProbeResult, ResultBatch
from tests.support.certificates import certificate_ending

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


def test_a_certificate_travels_from_the_probe_and_is_left_out_when_none() -> None:
    at = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    cert = certificate_ending(at + timedelta(days=30))
    with_cert = ProbeResult.of("m1", CheckResult(ok=True, certificate=cert), at)
    without = ProbeResult.of("m1", CheckResult(ok=False, error="refused"), at)
    # As the agent sends a batch: None left out, so a server before the field accepts it.
    body = json.loads(ResultBatch(results=[with_cert, without]).model_dump_json(exclude_none=True))
    assert "certificate" not in body["results"][1]
    received = ResultBatch.model_validate(body).results
    assert received[0].timed().result.certificate == cert
    assert received[1].timed().result.certificate is None


def test_the_server_refuses_a_certificate_with_a_bad_fingerprint() -> None:
    at = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    sent = ProbeResult.of("m1", CheckResult(ok=True, certificate=certificate_ending(at)), at)
    body = json.loads(sent.model_dump_json())
    body["certificate"]["fingerprint"] = "not hex"
    with pytest.raises(ValidationError, match="fingerprint"):
        ProbeResult.model_validate(body)
