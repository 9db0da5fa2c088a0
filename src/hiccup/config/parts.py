"""Validating a config whose schema fails, in parts: the items the schema refused are set
aside, so the checks across the file (references, duplicates, targets) still run on the rest
and `hiccup check` reports every error in one run instead of in stages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from hiccup.config.model import HiccupConfig, slugify

Location = tuple[str | int, ...]

# The lists whose items stand alone: a bad item is set aside, its siblings stay.
_LISTS: tuple[tuple[str, ...], ...] = (
    ("monitors",),
    ("components",),
    ("maintenance",),
    ("pages",),
    ("trusted_proxies",),
    ("notifications", "channels"),
    ("notifications", "alerts"),
    ("notifications", "chat_subscriptions"),
)
# What other items call the items of a list, in "no <kind> with key ..." messages.
_KINDS: dict[tuple[str, ...], str] = {
    ("monitors",): "monitor",
    ("components",): "component",
    ("notifications", "channels"): "channel",
}
ANY_KEY = "*"  # an item set aside whose key cannot be told: any reference may have meant it
# A stand-in for a `page:` the schema refused: the page is required, and the rest needs one.
_STAND_IN_PAGE = {"name": "page"}
_ROUNDS = 8  # each round sets aside more; a file needs few (a list, then its parent section)
_UNKNOWN_KEY = re.compile(r"^no (component|monitor|channel) with key '([^']*)'")


@dataclass(slots=True)
class Parts:
    """What was validated: `data` without the items set aside, and how to find each kept
    item's place in the file (`kept[list][i]` is the file's index of the config's item i)."""

    data: dict[Any, Any]
    kept: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    set_aside: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    dropped_keys: dict[str, set[str]] = field(default_factory=dict)
    # Sections set aside, as messages name them (`notifications.smtp`).
    dropped_sections: set[str] = field(default_factory=set)

    def in_file(self, location: Location) -> Location:
        """`location` in the validated config, as a location in the file."""
        for path, indices in self.kept.items():
            n = len(path)
            index = location[n] if len(location) > n else None
            if location[:n] == path and isinstance(index, int):
                return (*path, indices[index], *location[n + 1 :])
        return location

    def names_set_aside(self, message: str) -> bool:
        """True when `message` says a key is unknown that an item set aside may have had: that
        item's own errors are reported already, and this one would be false."""
        if any(f"`{name}`" in message for name in self.dropped_sections):
            return True
        match = _UNKNOWN_KEY.match(message)
        if match is None:
            return False
        keys = self.dropped_keys.get(match.group(1), set())
        return ANY_KEY in keys or match.group(2) in keys

    def raw_items(self, path: tuple[str, ...], original: Any) -> Iterable[tuple[int, Any]]:
        """The file's items of list `path` that were set aside, with their indices."""
        items = _get(original, path)
        for index in self.set_aside.get(path, []):
            if isinstance(items, list) and index < len(items):
                yield index, items[index]


def _get(data: Any, path: Iterable[str | int]) -> Any:
    node = data
    for part in path:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if not (in_dict or in_list):
            return None
        node = node[part]
    return node


def _copy(data: dict[Any, Any]) -> Parts:
    """A copy to prune, sharing the leaves with the file's data (never changed)."""
    copied = dict(data)
    notifications = copied.get("notifications")
    if isinstance(notifications, dict):
        copied["notifications"] = dict(notifications)
    parts = Parts(copied)
    for path in _LISTS:
        items = _get(copied, path)
        if isinstance(items, list):
            parent = _get(copied, path[:-1]) if len(path) > 1 else copied
            parent[path[-1]] = list(items)
            parts.kept[path] = list(range(len(items)))
    return parts


def _item_at(location: Location, parts: Parts) -> int:
    """How long the part of `location` naming a list item is (0: it names none)."""
    for path in _LISTS:
        n = len(path)
        at_item = len(location) > n and isinstance(location[n], int)
        if location[:n] == path and at_item and path in parts.kept:
            return n + 1
    return 0


def _prune_point(location: Location, parts: Parts, fine: bool) -> Location:
    """What to set aside for an error at `location`: `fine`, the one field (an item keeps its
    key and references for the checks across the file); else the whole item or section."""
    item = _item_at(location, parts)
    if item:
        field = location[item] if len(location) > item else None
        nested = location[:1] == ("components",) and field == "components"
        return (
            location[: item + 1] if fine and field is not None and not nested else location[:item]
        )
    # `notifications` holds sections of its own (smtp, subscriptions …): one level deeper.
    depth = 2 if location[:1] == ("notifications",) else 1
    return location[: depth + 1] if fine else location[:depth]


def _keys_of(item: Any, kind: str) -> set[str]:
    if not isinstance(item, dict):
        return {ANY_KEY}
    key, name = item.get("key"), item.get("name")
    if isinstance(key, str):
        keys = {key}
    elif kind != "channel" and isinstance(name, str):
        keys = {slugify(name)}
    else:
        keys = {ANY_KEY}
    members = item.get("components") if kind == "component" else None
    for member in members if isinstance(members, list) else []:
        keys |= _keys_of(member, kind)
    return keys


def _drop_field(parts: Parts, point: Location) -> bool:
    container, field = _get(parts.data, point[:-1]), point[-1]
    if not isinstance(container, dict) or field not in container:
        return False
    # Copied on write: the file's data stays whole for line numbers and later checks.
    parent = _get(parts.data, point[:-2]) if len(point) > 1 else None
    replaced = {k: v for k, v in container.items() if k != field}
    if parent is None:
        parts.data = replaced
    else:
        parent[point[-2]] = replaced
    if not any(isinstance(p, int) for p in point):
        parts.dropped_sections.add(".".join(str(p) for p in point))
    kind = _KINDS.get(tuple(str(p) for p in point[:-2]))
    if kind is not None and field in ("key", "name"):
        # Its identity was refused: references to the key it meant are not new errors.
        parts.dropped_keys.setdefault(kind, set()).update(_keys_of(container, kind))
    for list_path in [p for p in parts.kept if p[: len(point)] == point]:
        parts.set_aside.setdefault(list_path, []).extend(parts.kept.pop(list_path))
        kind = _KINDS.get(list_path)
        if kind is not None:
            parts.dropped_keys.setdefault(kind, set()).add(ANY_KEY)
    return True


def _drop_item(parts: Parts, point: Location) -> bool:
    path, index = tuple(str(p) for p in point[:-1]), int(point[-1])
    items = _get(parts.data, path)
    if not isinstance(items, list) or index >= len(items):
        return False
    item = items.pop(index)
    parts.set_aside.setdefault(path, []).append(parts.kept[path].pop(index))
    kind = _KINDS.get(path)
    if kind is not None:
        parts.dropped_keys.setdefault(kind, set()).update(_keys_of(item, kind))
    return True


def _set_aside(parts: Parts, points: set[Location]) -> bool:
    """Take what `points` name out of `parts.data`; False when nothing could be."""
    changed = False
    fields = [p for p in points if not isinstance(p[-1], int)]
    for point in fields:
        if point == ("page",):
            changed = changed or parts.data.get("page") is not _STAND_IN_PAGE
            parts.data["page"] = _STAND_IN_PAGE
        else:
            changed = _drop_field(parts, point) or changed
    # Items last, highest index first, so the other points still name the right items.
    items = sorted((p for p in points if isinstance(p[-1], int)), key=lambda p: int(p[-1]))
    for point in reversed(items):
        changed = _drop_item(parts, point) or changed
    return changed


def validate_in_parts(data: dict[Any, Any]) -> tuple[HiccupConfig, Parts] | None:
    """The config of what the schema accepts once the refused items are set aside; None when
    nothing is left to validate (the caller has the schema's errors already)."""
    parts = _copy(data)
    for round_ in range(_ROUNDS):
        try:
            return HiccupConfig.model_validate(parts.data), parts
        except ValidationError as error:
            # First the refused fields alone; what still fails then goes whole.
            points = {
                _prune_point(
                    tuple(p for p in e["loc"] if isinstance(p, (str, int))),
                    parts,
                    fine=round_ == 0 and e["type"] != "missing",
                )
                for e in error.errors()
            }
            points.discard(())
            if not points:
                return None
            if not _set_aside(parts, points):
                return None
    return None


def whole(data: dict[Any, Any]) -> Parts:
    """The Parts of a file the schema accepted as a whole: nothing set aside."""
    return _copy(data)
