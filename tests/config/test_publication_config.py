"""Publication settings in hiccup.yaml: defaults, overrides, errors with file, line, field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hiccup.config.load import ConfigError, parse_config
from hiccup.core.headline import HeadlineStyle
from hiccup.core.publication import IncidentMode

BASE = "page: {name: A}\ncomponents: [{name: web}]\n"


def _errors(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("hiccup.yaml"))
    return str(caught.value)


def test_defaults_wait_five_minutes_and_name_what_is_affected() -> None:
    page = parse_config(BASE, Path("hiccup.yaml")).page
    assert page.incidents is IncidentMode.AUTO
    assert page.publish_after == timedelta(minutes=5)
    assert page.headline is HeadlineStyle.PROPORTIONAL


@pytest.mark.parametrize(
    ("kind", "target", "public"),
    [("http", "http://x/", True), ("tcp", "x:1", True), ("tls", "x", False)],
)
def test_certificates_are_operator_only_unless_said(kind: str, target: str, public: bool) -> None:
    text = BASE + f"monitors: [{{name: m, kind: {kind}, target: '{target}'}}]\n"
    [monitor] = parse_config(text, Path("hiccup.yaml")).monitors
    assert monitor.is_public is public
    said = text.replace("target:", "public: true, target:")
    assert parse_config(said, Path("hiccup.yaml")).monitors[0].is_public


def test_heartbeats_are_operator_only_by_default() -> None:
    text = BASE + "monitors: [{name: backup, kind: heartbeat, period: 1d}]\n"
    assert not parse_config(text, Path("hiccup.yaml")).monitors[0].is_public


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "page: {name: A}\npages:\n  - {name: B, slug: b, publish_after: 1m}\n",
            "hiccup.yaml:3: pages[0].publish_after: `publish_after` applies to every page",
        ),
        (
            "page: {name: A}\npages:\n  - {name: B, slug: b, incidents: manual}\n",
            "hiccup.yaml:3: pages[0].incidents:",
        ),
        ("page: {name: A, incidents: sometimes}\n", "hiccup.yaml:1: page.incidents:"),
        ("page: {name: A, headline: loud}\n", "hiccup.yaml:1: page.headline:"),
        (
            "page: {name: A}\ncomponents:\n  - {name: web, publish_after: -1m}\n",
            "hiccup.yaml:3: components[0].publish_after:",
        ),
        (
            "page: {name: A}\nmonitors:\n  - {name: m, kind: http, target: 'http://x/', "
            "public: maybe}\n",
            "hiccup.yaml:3: monitors[0].public:",
        ),
    ],
)
def test_bad_publication_settings_name_file_line_and_field(text: str, expected: str) -> None:
    assert expected in _errors(text)
