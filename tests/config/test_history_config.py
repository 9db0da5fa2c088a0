"""The optional `history` section: retention of raw results and hourly rollups."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hiccup.config.load import ConfigError, parse_config
from hiccup.engine.rollups import settings_from

FILE = Path("hiccup.yaml")
PAGE = "page: {name: Flexo Hosting}\n"


def test_history_defaults_to_thirty_days_of_raw_results() -> None:
    settings = settings_from(parse_config(PAGE, FILE))
    assert settings.retention == timedelta(days=30)
    assert settings.hourly_retention == timedelta(days=90)


def test_history_retention_is_read_as_durations() -> None:
    config = parse_config(PAGE + "history:\n  retention: 7d\n  hourly_retention: 400d\n", FILE)
    settings = settings_from(config)
    assert settings.retention == timedelta(days=7)
    assert settings.hourly_retention == timedelta(days=400)


def test_a_retention_under_an_hour_names_line_and_field() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(PAGE + "history:\n  retention: 10m\n", FILE)
    assert str(caught.value) == "hiccup.yaml:3: history.retention: must be at least 1h"


def test_an_unknown_history_field_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"history\.keep: unknown field"):
        parse_config(PAGE + "history:\n  keep: 1y\n", FILE)
