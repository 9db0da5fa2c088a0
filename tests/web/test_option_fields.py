"""Form fields derived from a check kind's options model: every option of every kind gets a
field, a new kind gets its form from its model alone, and what the form reads back is the dict
the API takes."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import pytest
from pydantic import Field as ModelField
from starlette.datastructures import FormData

from hiccup.checks.base import CheckOptions
from hiccup.checks.heartbeat import Duration
from hiccup.checks.registry import check_kinds, options_model
from hiccup.web.admin.option_fields import (
    option_fields,
    read_options,
    shown_options,
    widget_of,
)


@pytest.mark.parametrize("kind", check_kinds())
def test_every_option_of_every_kind_has_a_field(kind: str) -> None:
    names = {f.name for f in option_fields(kind)}
    assert names == {f"options.{name}" for name in options_model(kind).model_fields}


class _FutureOptions(CheckOptions):
    """What a kind added later might declare."""

    mode: Literal["fast", "slow"] = "fast"
    pause: Duration = timedelta(seconds=30)
    strict: bool = False
    attempts: int = ModelField(default=2, ge=1)
    codes: list[int] = ModelField(default_factory=list)
    names: list[str] = ModelField(default_factory=list)
    labels: dict[str, str] = ModelField(default_factory=dict)
    time_zone: str = "UTC"
    note: str | None = None


def test_a_new_kind_gets_a_widget_for_each_option_from_its_model_alone() -> None:
    widgets = {name: widget_of(name, info)[0] for name, info in _FutureOptions.model_fields.items()}
    assert widgets == {
        "mode": "select",
        "pause": "duration",
        "strict": "bool",
        "attempts": "int",
        "codes": "numbers",
        "names": "lines",
        "labels": "pairs",
        "time_zone": "zone",
        "note": "text",
    }


def test_http_options_read_back_as_the_api_takes_them() -> None:
    form = FormData(
        [
            ("options.http.method", "HEAD"),
            ("options.http.expected_status", "200, 204"),
            ("options.http.headers", "Accept: text/html\nX-Probe:  hiccup\n"),
            ("options.http.keyword", ""),
            ("options.http.max_redirects", "10"),  # the default: left out
            ("options.http.follow_redirects.shown", "1"),  # box on the form, not ticked
            ("options.http.verify_tls.shown", "1"),
            ("options.http.verify_tls", "on"),  # ticked, as by default: left out
            ("options.dns.record_type", "MX"),  # another kind's: ignored
        ]
    )
    options, problems = read_options("http", form)
    assert problems == {}
    assert options == {
        "method": "HEAD",
        "expected_status": [200, 204],
        "headers": {"Accept": "text/html", "X-Probe": "hiccup"},
        "follow_redirects": False,
    }
    options_model("http").model_validate(options)
    shown = shown_options("http", options)
    assert shown["options.expected_status"] == "200, 204"
    assert shown["options.verify_tls"] is True
    assert shown["options.follow_redirects"] is False


def test_typing_mistakes_are_named_before_the_model_sees_them() -> None:
    form = FormData(
        [
            ("options.http.expected_status", "200, ok"),
            ("options.http.headers", "no colon here"),
        ]
    )
    _, problems = read_options("http", form)
    assert problems["options.expected_status"].startswith("whole numbers")
    assert "Name: value" in problems["options.headers"]
    bad_duration = FormData([("options.heartbeat.period", "5 minutes")])
    _, problems = read_options("heartbeat", bad_duration)
    assert problems == {
        "options.period": "invalid duration '5 minutes' (use e.g. 30s, 5m, 1h30m, 500ms)"
    }


def test_heartbeat_durations_stay_as_typed() -> None:
    form = FormData(
        [("options.heartbeat.period", "5m"), ("options.heartbeat.time_zone", "Europe/Berlin")]
    )
    options, problems = read_options("heartbeat", form)
    assert (options, problems) == ({"period": "5m", "time_zone": "Europe/Berlin"}, {})
