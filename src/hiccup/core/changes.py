"""What an edit changed, in words for the audit log: "interval_s: 30 → 60; enabled: true → false".

Structured values (a monitor's options, a list of tags) are named, not shown: options can hold
credentials (an Authorization header), and the audit log is read by more people than the
monitor's owner.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

SHOWN = 60  # characters of one value; the audit summary holds 500 in all
SKIPPED = frozenset({"updated_at", "created_at"})
NOTHING_CHANGED = "nothing changed"


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if value == "":
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    text = " ".join(str(value).split())
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def _structured(value: Any) -> bool:
    return isinstance(value, dict | list | tuple | set)


def _describe(field: str, old: Any, new: Any) -> str:
    if _structured(old) or _structured(new):
        return f"{field} changed"
    return f"{field}: {_text(old)} → {_text(new)}"


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, int | float) and isinstance(new, int | float):
        return float(old) == float(new)
    if isinstance(old, datetime) and isinstance(new, datetime):
        return old.replace(tzinfo=None) == new.replace(tzinfo=None)
    return bool(old == new)


def describe_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """Each field of `after` whose value differs from `before`, in `after`'s order."""
    parts = [
        _describe(field, before[field], new)
        for field, new in after.items()
        if field not in SKIPPED and field in before and not _same(before[field], new)
    ]
    return "; ".join(parts) if parts else NOTHING_CHANGED
