"""Typos are caught before they reach customers: every kind checks its target, and errors
come in plain words with a suggestion for a misspelt field."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiccup.config.load import ConfigError, parse_config

FILE = Path("hiccup.yaml")
HEAD = "page: {name: Flexo Hosting}\nmonitors:\n"


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, FILE)
    return [str(issue) for issue in caught.value.issues]


@pytest.mark.parametrize(
    ("kind", "target", "said"),
    [
        ("http", "htp//127.0.0.1/", "expected http:// or https://"),
        ("http", "ftp://files.example.com/", "expected http:// or https://"),
        ("http", "https://", "expected http:// or https://"),
        ("tcp", "127.0.0.1", "expected host:port"),
        ("tcp", "db.example.com:99999", "expected host:port"),
        ("tls", "https://flexo.example.com/", "expected host or host:port"),
        ("dns", "flexo example.com", "expected a name"),
        ("icmp", "flexo.example.com:80", "expected a host"),
    ],
)
def test_a_target_that_does_not_fit_its_kind_is_refused(kind: str, target: str, said: str) -> None:
    text = HEAD + f"  - name: flexo\n    kind: {kind}\n    target: '{target}'\n"
    [error] = errors_of(text)
    assert error.startswith("hiccup.yaml:5: monitors[0].target: invalid ")
    assert said in error


@pytest.mark.parametrize(
    ("kind", "target"),
    [
        ("http", "https://flexo.example.com/health"),
        ("tcp", "[2001:db8::1]:5432"),
        ("tls", "flexo.example.com"),
        ("dns", "flexo.example.com"),
        ("icmp", "192.0.2.10"),
    ],
)
def test_a_good_target_of_each_kind_loads(kind: str, target: str) -> None:
    text = HEAD + f"  - name: flexo\n    kind: {kind}\n    target: '{target}'\n"
    assert parse_config(text, FILE).monitors[0].target == target


def test_a_misspelt_field_gets_a_suggestion() -> None:
    text = HEAD + "  - {name: flexo, kind: http, target: 'https://x.example/', intervall: 30s}\n"
    assert errors_of(text) == [
        "hiccup.yaml:3: monitors[0].intervall: unknown field (did you mean `interval`?)"
    ]


def test_errors_are_in_plain_words() -> None:
    text = "page: {name: Flexo Hosting}\ncomponents: flexo\n"
    [error] = errors_of(text)
    assert error == "hiccup.yaml:2: components: should be a list, e.g. [a, b]"
