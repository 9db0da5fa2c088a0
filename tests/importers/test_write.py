"""The written file: checked by Hiccup's own loader; items it refuses are left out and listed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hiccup.config.load import ConfigError, load_config
from hiccup.importers.result import ImportResult
from hiccup.importers.write import render, settle


def _result(config: dict[str, Any]) -> ImportResult:
    return ImportResult("a test", config)


def test_an_item_the_loader_refuses_is_left_out_with_its_reason(tmp_path: Path) -> None:
    result = _result(
        {
            "page": {"name": "Status"},
            "monitors": [
                {"name": "Good", "key": "good", "kind": "tcp", "target": "db:5432"},
                {"name": "Bad", "key": "bad", "kind": "tcp", "target": "no port here"},
            ],
            "notifications": {
                "channels": [{"key": "hook", "kind": "webhook", "url": "https://h.example"}],
                "alerts": [
                    {"channels": ["hook"], "monitors": ["bad"]},
                    {"channels": ["hook"], "monitors": ["good", "bad"]},
                ],
            },
        }
    )
    text, config = settle(result, tmp_path / "hiccup.yaml")
    assert [m.slug for m in config.monitors] == ["good"]
    # The rule that named only the dropped monitor goes: an empty list would mean every one.
    assert [r.monitors for r in config.notifications.alerts] == [["good"]]
    (note,) = result.unmapped
    assert note.item == "monitor 'Bad'"
    assert note.reason.startswith("monitors[1].target: ")
    path = tmp_path / "hiccup.yaml"
    path.write_text(text)
    assert load_config(path).monitors[0].slug == "good"
    assert "# 1 item(s) could not be mapped:" in text


def test_a_problem_outside_any_item_is_not_hidden(tmp_path: Path) -> None:
    result = _result({"page": {"name": "Status", "time_zone": "Mars/Olympus"}})
    with pytest.raises(ConfigError, match="time_zone"):
        settle(result, tmp_path / "hiccup.yaml")


def test_lists_of_numbers_are_written_on_one_line() -> None:
    text = render(_result({"page": {"name": "S"}, "monitors": [{"expected_status": [200, 204]}]}))
    assert "expected_status: [200, 204]" in text
