"""The check registry: kinds are found by name, and bad names or options are named back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from hiccup.checks.registry import CheckSet, UnknownCheckKind, check_kinds, options_model
from hiccup.core.monitors import MonitorSpec


def _spec(kind: str, **options: object) -> MonitorSpec:
    return MonitorSpec(
        id="m1",
        name="m1",
        kind=kind,
        target="127.0.0.1:1",
        interval=timedelta(seconds=30),
        timeout=timedelta(seconds=1),
        options=options,
    )


def test_it_lists_the_builtin_kinds() -> None:
    assert {"http", "tcp"} <= set(check_kinds())


def test_it_names_an_unknown_kind_and_the_known_ones() -> None:
    with pytest.raises(UnknownCheckKind) as caught:
        options_model("gopher")
    message = str(caught.value)
    assert "'gopher'" in message
    assert "http" in message
    assert "tcp" in message
    assert isinstance(caught.value, ValueError)


def test_it_rejects_an_unknown_option_naming_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        options_model("http").model_validate({"keywrod": "ok"})
    assert "keywrod" in str(caught.value)


def test_it_rejects_an_out_of_range_expected_status() -> None:
    with pytest.raises(ValidationError) as caught:
        options_model("http").model_validate({"expected_status": [200, 99]})
    assert "expected_status" in str(caught.value)


def test_tcp_options_reject_any_field() -> None:
    with pytest.raises(ValidationError) as caught:
        options_model("tcp").model_validate({"port": 80})
    assert "port" in str(caught.value)


async def test_a_check_set_reports_an_unknown_kind_as_a_failed_result() -> None:
    checks = CheckSet()
    result = await checks.run(_spec("gopher"))
    await checks.close()
    assert not result.ok
    assert result.error is not None
    assert "unknown check kind 'gopher'" in result.error


async def test_a_check_set_reports_invalid_options_as_a_failed_result() -> None:
    checks = CheckSet()
    result = await checks.run(_spec("tcp", port=80))
    await checks.close()
    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("invalid options: port")
