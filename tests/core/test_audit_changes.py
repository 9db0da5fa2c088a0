from __future__ import annotations

from datetime import UTC, datetime

from hiccup.core.changes import describe_changes


def test_it_names_each_changed_field_with_its_old_and_new_value() -> None:
    before = {"name": "flexo http", "interval_s": 30.0, "enabled": True, "timeout_s": 10}
    after = {"name": "flexo http", "interval_s": 60, "enabled": False, "timeout_s": 10.0}
    assert describe_changes(before, after) == "interval_s: 30.0 → 60; enabled: true → false"


def test_structured_values_are_named_but_never_shown() -> None:
    before = {"options": {"headers": {"Authorization": "Bearer old-secret"}}, "tags": ["a"]}
    after = {"options": {"headers": {"Authorization": "Bearer new-secret"}}, "tags": ["a"]}
    summary = describe_changes(before, after)
    assert summary == "options changed"
    assert "secret" not in summary


def test_long_values_are_cut_and_timestamps_are_not_changes() -> None:
    now = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
    before = {"description": "", "updated_at": now, "start_local": now.replace(tzinfo=None)}
    after = {"description": "x" * 200, "updated_at": now.replace(hour=21), "start_local": now}
    summary = describe_changes(before, after)
    assert summary.startswith('description: "" → xxx')
    assert summary.endswith("…")
    assert len(summary) < 100
    assert describe_changes({"a": 1}, {"a": 1}) == "nothing changed"
