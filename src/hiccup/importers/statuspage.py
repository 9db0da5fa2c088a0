"""Statuspage (Atlassian's public v2 API) → hiccup.yaml and its incident history.

The page's components and groups become components; upcoming and running scheduled
maintenances become one-off windows; incidents (resolved or not), with every update, are
returned as `PastIncident`s, which config cannot hold: `hiccup import statuspage --history`
records them in the database (see docs/import.md). Statuspage has no monitors.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hiccup.core.durations import format_duration
from hiccup.importers.result import (
    ImportFailure,
    ImportResult,
    Keys,
    PastIncident,
    PastUpdate,
    Tick,
    ticking,
)

Document = dict[str, Any]
_IMPACTS = {"none", "minor", "major", "critical"}
_UPDATE_STATUSES = {"investigating", "identified", "monitoring", "resolved"}
_UPCOMING = {"scheduled", "in_progress", "verifying"}


def _time(value: Any, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ImportFailure(f"{where}: {value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ImportFailure(f"{where}: {value!r} has no time zone offset")
    return moment


def _zone(page: Document, result: ImportResult) -> str:
    zone = str(page.get("time_zone") or "UTC")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        result.change(f"page time_zone {zone!r}", "not an IANA zone: UTC is used")
        return "UTC"
    return zone


def _components(
    items: list[Document], keys: Keys, result: ImportResult
) -> tuple[list[Document], dict[str, str]]:
    """The tree (groups with members, in Statuspage's order) and Statuspage id -> key."""
    key_of: dict[str, str] = {}
    tree: list[Document] = []
    groups: dict[str, Document] = {}
    ordered = sorted(items, key=lambda c: c.get("position") or 0)
    for item in ordered:
        if item.get("group"):
            name = str(item["name"])[:200]
            group: Document = {"name": name, "key": keys.make(name), "components": []}
            groups[str(item["id"])] = group
            key_of[str(item["id"])] = group["key"]
    for item in ordered:
        if item.get("group"):
            tree.append(groups[str(item["id"])])
            continue
        component: Document = {"name": str(item["name"])[:200], "key": keys.make(str(item["name"]))}
        if item.get("description"):
            component["description"] = str(item["description"])
        key_of[str(item["id"])] = component["key"]
        parent = groups.get(str(item.get("group_id") or ""))
        if parent is not None:
            parent["components"].append(component)
        elif item.get("group_id"):
            result.change(f"component {item['name']!r}", "its group is missing: placed at the top")
            tree.append(component)
        else:
            tree.append(component)
        if item.get("only_show_if_degraded"):
            result.skip(f"component {item['name']!r}", "'only show if degraded' has no equivalent")
    # A group with no member left is shown as an ordinary component.
    for group in tree:
        if "components" in group and not group["components"]:
            del group["components"]
    return tree, key_of


def _affected(entry: Document, key_of: dict[str, str]) -> tuple[str, ...]:
    ids = [str(c.get("id")) for c in entry.get("components") or [] if isinstance(c, dict)]
    for update in entry.get("incident_updates") or []:
        ids += [str(a.get("code")) for a in update.get("affected_components") or []]
    return tuple(dict.fromkeys(key_of[i] for i in ids if i in key_of))


def _incident(entry: Document, key_of: dict[str, str], where: str) -> PastIncident:
    updates: list[tuple[datetime, PastUpdate]] = []
    postmortem = None
    for update in entry.get("incident_updates") or []:
        status = str(update.get("status") or "investigating")
        body = str(update.get("body") or status.title())
        if status == "postmortem":
            postmortem = body
            continue
        if status not in _UPDATE_STATUSES:
            continue
        at = _time(update.get("display_at") or update.get("created_at"), where)
        updates.append((at, PastUpdate(status, body, at.isoformat())))
    updates.sort(key=lambda pair: pair[0])
    started = _time(entry.get("started_at") or entry.get("created_at"), where)
    resolved = entry.get("resolved_at")
    if not updates:
        updates.append(
            (started, PastUpdate("investigating", str(entry.get("name")), started.isoformat()))
        )
    impact = str(entry.get("impact") or "minor")
    return PastIncident(
        name=str(entry.get("name") or "Incident")[:300],
        impact=impact if impact in _IMPACTS else "minor",
        started_at=min(started, updates[0][0]).isoformat(),
        resolved_at=_time(resolved, where).isoformat() if resolved else None,
        components=_affected(entry, key_of),
        updates=tuple(update for _, update in updates),
        postmortem=postmortem,
    )


def _maintenance(
    entries: list[Document], key_of: dict[str, str], now: datetime, result: ImportResult
) -> list[Document]:
    keys, windows = Keys(), []
    for entry in entries:
        label = f"scheduled maintenance {entry.get('name')!r} ({entry.get('id')})"
        start = _time(entry.get("scheduled_for"), label)
        end = _time(entry.get("scheduled_until"), label)
        if entry.get("status") not in _UPCOMING or end <= now:
            result.skip(label, "over already (Hiccup keeps no past windows in config)")
            continue
        components = list(_affected(entry, key_of))
        if not components or end <= start:
            result.skip(
                label, "affects no component" if not components else "ends before it starts"
            )
            continue
        name = str(entry.get("name") or "Maintenance")[:300]
        window: Document = {"name": name, "key": keys.make(name), "components": components}
        window.update(start=start.isoformat(), duration=format_duration(end - start))
        body = next(
            (u.get("body") for u in entry.get("incident_updates") or [] if u.get("body")), ""
        )
        if body:
            window["message"] = str(body)
        windows.append(window)
    return windows


def _list(document: Document, name: str, source: str) -> list[Document]:
    value = document.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ImportFailure(f"{source}: `{name}`: expected a list of objects")
    return value


def map_statuspage(
    summary: Document,
    incidents: list[Document],
    maintenances: list[Document],
    source: str,
    now: datetime,
    tick: Tick | None = None,
) -> ImportResult:
    """`summary` is /api/v2/summary.json; `incidents` and `maintenances` the lists of
    incidents.json and scheduled-maintenances.json (or the summary's own, from a file)."""
    page = summary.get("page")
    if not isinstance(page, dict) or "components" not in summary:
        raise ImportFailure(f"{source}: no `page` and `components`: not a Statuspage summary")
    result = ImportResult(f"Statuspage {source}", {})
    name = str(page.get("name") or "Status")[:200]
    result.config["page"] = {"name": name, "time_zone": _zone(page, result)}
    if str(page.get("url") or "").startswith(("http://", "https://")):
        result.config["page"]["url"] = str(page["url"])
    tree, key_of = _components(_list(summary, "components", source), Keys(), result)
    result.config["components"] = tree
    result.config["monitors"] = []
    result.change(source, "Statuspage has no monitors: add them and bind each to a component")
    if not all(isinstance(e, dict) for e in [*incidents, *maintenances]):
        raise ImportFailure(f"{source}: incidents and maintenances must be JSON objects")
    seen: set[str] = set()
    for entry in ticking(incidents, len(incidents), tick):
        if str(entry.get("id")) not in seen:
            seen.add(str(entry.get("id")))
            where = f"{source}: incident {entry.get('name')!r} ({entry.get('id')})"
            result.incidents.append(_incident(entry, key_of, where))
    windows = _maintenance(maintenances, key_of, now, result)
    if windows:
        result.config["maintenance"] = windows
    return result
