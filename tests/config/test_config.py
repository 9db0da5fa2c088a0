"""hiccup.yaml validation: good configs load, every error names file, line and field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hiccup.config.load import ConfigError, parse_config
from hiccup.core.durations import format_duration, parse_duration

FILE = Path("hiccup.yaml")
GOOD = """\
page:
  name: Example Hosting
  time_zone: Europe/Berlin
components:
  - name: Web servers
    key: web
    components:
      - name: flexo
  - name: E-mail
monitors:
  - name: flexo website
    kind: http
    target: http://127.0.0.1:8081/
    component: flexo
    interval: 30s
    keyword: Welcome
  - name: mail
    kind: tcp
    target: 127.0.0.1:25
    component: e-mail
    interval: 1m
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, FILE)
    return [str(issue) for issue in caught.value.issues]


def test_a_good_config_loads_with_defaults() -> None:
    config = parse_config(GOOD, FILE)
    flexo = config.monitors[0]
    assert flexo.interval == timedelta(seconds=30)
    assert flexo.timeout == timedelta(seconds=10)
    assert (flexo.failures_to_confirm, flexo.success_threshold) == (3, 2)
    assert flexo.options == {"keyword": "Welcome"}
    assert [c.slug for c, _ in config.all_components()] == ["web", "flexo", "e-mail"]


def test_a_bad_duration_names_line_and_field() -> None:
    assert errors_of(GOOD.replace("interval: 30s", "interval: fast")) == [
        "hiccup.yaml:15: monitors[0].interval: "
        "invalid duration 'fast' (use e.g. 30s, 5m, 1h30m, 500ms)"
    ]


def test_an_unknown_field_is_an_error() -> None:
    text = GOOD.replace("  time_zone: Europe/Berlin", "  time_zone: Europe/Berlin\n  colour: red")
    assert errors_of(text) == ["hiccup.yaml:4: page.colour: unknown field"]


def test_an_unknown_kind_lists_the_known_ones() -> None:
    [error] = errors_of(GOOD.replace("kind: tcp", "kind: carrier-pigeon"))
    assert error.startswith("hiccup.yaml:18: monitors[1].kind: ")
    assert "carrier-pigeon" in error
    assert "http" in error
    assert "tcp" in error


def test_an_unknown_option_of_a_kind_is_an_error() -> None:
    [error] = errors_of(GOOD.replace("keyword: Welcome", "keywrod: Welcome"))
    assert error == "hiccup.yaml:16: monitors[0].keywrod: unknown field (did you mean `keyword`?)"


def test_an_unknown_component_reference_is_an_error() -> None:
    [error] = errors_of(GOOD.replace("component: flexo", "component: flexxo"))
    assert error.startswith("hiccup.yaml:14: monitors[0].component: no component with key 'flexxo'")


def test_an_unknown_time_zone_is_an_error() -> None:
    [error] = errors_of(GOOD.replace("Europe/Berlin", "Mars/Olympus"))
    assert error.startswith("hiccup.yaml:3: page.time_zone: unknown time zone 'Mars/Olympus'")


def test_invalid_yaml_names_the_line() -> None:
    [error] = errors_of(GOOD.replace("  - name: mail\n", "  - name: mail\n   bad: [\n"))
    assert error.startswith("hiccup.yaml:")
    assert error.split(":")[1].isdigit()


def test_duplicate_keys_are_errors() -> None:
    [error] = errors_of(GOOD.replace("    interval: 1m", "    interval: 1m\n    interval: 2m"))
    assert "duplicate key 'interval'" in error
    assert error.startswith("hiccup.yaml:22:")


def test_missing_page_is_named() -> None:
    assert errors_of("monitors: []\n") == ["hiccup.yaml:1: page: is required"]


def test_two_monitors_with_one_key_are_errors() -> None:
    text = GOOD.replace("  - name: mail\n", "  - name: flexo website\n")
    first, second = errors_of(text)
    assert first.startswith(
        "hiccup.yaml:11: monitors[0]: two monitors share the key 'flexo-website'"
    )
    assert second.startswith("hiccup.yaml:17: monitors[1]: two monitors share")


def test_an_interval_under_a_second_is_refused() -> None:
    [error] = errors_of(GOOD.replace("interval: 30s", "interval: 200ms"))
    assert error.endswith("monitors[0].interval: interval must be at least 1s")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("5m", 300),
        ("1h30m", 5400),
        ("500ms", 0.5),
        (15, 15),
        ("1d", 86400),
        ("2.5s", 2.5),
    ],
)
def test_durations_parse(text: str | int, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "m", "10x", "-5s"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


def test_durations_format_back_to_their_shortest_spelling() -> None:
    for text in ("30s", "5m", "1h30m", "500ms", "1d"):
        assert format_duration(parse_duration(text)) == text


def test_the_shipped_example_config_is_valid() -> None:
    example = Path(__file__).parents[2] / "src/hiccup/resources/hiccup.example.yaml"
    config = parse_config(example.read_text(), example)
    assert config.monitors


def test_a_retry_interval_is_kept_when_shorter_than_the_interval() -> None:
    config = parse_config(
        GOOD.replace("interval: 30s", "interval: 30s\n    retry_interval: 5s"), FILE
    )
    assert config.monitors[0].retry_interval == timedelta(seconds=5)
    assert config.monitors[1].retry_interval is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("retry_interval: 30s", "retry_interval must be at least 1s and shorter than interval"),
        ("retry_interval: 500ms", "retry_interval must be at least 1s and shorter than interval"),
        (
            "retry_interval: 5s\n    probes: [local, eu]",
            "retry_interval works for monitors checked from one place",
        ),
    ],
)
def test_a_retry_interval_that_cannot_work_is_refused_with_its_line(
    extra: str, message: str
) -> None:
    [error] = errors_of(GOOD.replace("interval: 30s", f"interval: 30s\n    {extra}"))
    assert error.startswith("hiccup.yaml:")
    assert error.endswith(message)
