"""Render an import as hiccup.yaml and check it with Hiccup's own loader before it is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hiccup.config.load import ConfigError, ConfigIssue, parse_config
from hiccup.config.model import HiccupConfig
from hiccup.importers.result import ImportResult

# libyaml's emitter where it is built in: thousands of monitors render in a fraction of the time.
_SafeBase: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_SafeBase):  # type: ignore[valid-type,misc]
    """Lists of plain values on one line (`expected_status: [200, 204]`), the rest as blocks."""


def _list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    flow = bool(value) and all(isinstance(v, int | float) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(list, _list)


def render(result: ImportResult) -> str:
    header = [f"# Imported from {result.source} by `hiccup import`; check it with `hiccup check`."]
    for notes, what in (
        (result.unmapped, "could not be mapped"),
        (result.changed, "mapped with a difference"),
    ):
        if notes:
            header.append(f"# {len(notes)} item(s) {what}:")
            header += [f"#   - {note}" for note in notes]
    body = yaml.dump(result.config, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(line.replace("\n", " ") for line in header) + "\n" + body


def validate(text: str, path: Path) -> HiccupConfig:
    """The config as `hiccup check` reads it; ConfigError (file, line, field) if it is not."""
    return parse_config(text, path)


def _index(field: str, prefix: str) -> int | None:
    """`monitors[3].target` with prefix `monitors` -> 3."""
    if not field.startswith(prefix + "["):
        return None
    inner = field[len(prefix) + 1 :].split("]", 1)[0]
    return int(inner) if inner.isdigit() else None


_DROPPABLE = (
    ("monitors", "monitor"),
    ("maintenance", "maintenance"),
    ("notifications.channels", "channel"),
)


def _drop(result: ImportResult, issues: tuple[ConfigIssue, ...]) -> bool:
    """Leave out the items Hiccup's loader refused (noting why); False when an issue is
    outside any single item, which is the importer's bug to report whole."""
    doomed: dict[str, dict[int, str]] = {}
    for issue in issues:
        for prefix, _ in _DROPPABLE:
            index = _index(issue.field, prefix)
            if index is not None and index >= len(_section(result.config, prefix)):
                return False
            if index is not None:
                doomed.setdefault(prefix, {}).setdefault(index, f"{issue.field}: {issue.message}")
                break
        else:
            return False
    for prefix, noun in _DROPPABLE:
        items = _section(result.config, prefix)
        for index in sorted(doomed.get(prefix, {}), reverse=True):
            item = items.pop(index)
            result.skip(f"{noun} {item.get('name') or item.get('key')!r}", doomed[prefix][index])
            _forget(result.config, prefix, str(item.get("key")))
    return True


def _section(config: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    holder: Any = config
    for part in prefix.split("."):
        holder = holder.get(part) if isinstance(holder, dict) else None
    return holder if isinstance(holder, list) else []


def _forget(config: dict[str, Any], prefix: str, key: str) -> None:
    """Alert rules naming a dropped monitor or channel lose it; a rule left with no channel,
    or with no monitor where it named some, is dropped (an empty list would mean *all*)."""
    field = {"monitors": "monitors", "notifications.channels": "channels"}.get(prefix)
    rules = (config.get("notifications") or {}).get("alerts")
    if field is None or not rules:
        return
    for rule in list(rules):
        if key in rule.get(field, []):
            rule[field].remove(key)
            if not rule[field]:
                rules.remove(rule)


def settle(result: ImportResult, path: Path) -> tuple[str, HiccupConfig]:
    """The file's text and the config Hiccup reads from it; items the loader refuses are left
    out and noted. ConfigError when what remains is still refused."""
    while True:
        text = render(result)
        try:
            return text, validate(text, path)
        except ConfigError as error:
            if not _drop(result, error.issues):
                raise
