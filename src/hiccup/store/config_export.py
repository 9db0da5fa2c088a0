"""`hiccup config export`: the database's monitors, components, pages and maintenance as a
hiccup.yaml that `hiccup check` accepts and `serve` syncs back with no change.

Sections the database does not hold (notifications, history, other pages' settings, the
page's look) are carried over from the current config file when there is one, so exporting
and serving the result loses nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

import yaml
from sqlalchemy import select

from hiccup.checks.registry import default_public
from hiccup.core.durations import format_duration
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.tables import components, monitors, pages
from hiccup.store.tables_maintenance import maintenance_components, maintenances
from hiccup.store.tables_notify import monitor_dependencies
from hiccup.store.tags import tags_of


class NothingToExport(LookupError):
    pass


def _seconds(value: float) -> str:
    return format_duration(timedelta(seconds=value))


async def _page(conn: AsyncConnection, slug: str) -> Any:
    query = select(pages).order_by(pages.c.slug != slug, pages.c.slug).limit(1)
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise NothingToExport("the database has no page yet")
    return row


def _component(row: Any, members: list[dict[str, Any]]) -> dict[str, Any]:
    item: dict[str, Any] = {"name": row["name"], "key": row["key"]}
    if row["description"] is not None:
        item["description"] = row["description"]
    if row["incidents"] is not None:
        item["incidents"] = row["incidents"]
    if row["publish_after_s"] is not None:
        item["publish_after"] = _seconds(row["publish_after_s"])
    if members:
        item["components"] = members
    return item


async def _components(
    conn: AsyncConnection, page_id: str
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    query = select(components).where(components.c.page_id == page_id)
    ordered = query.order_by(components.c.position, components.c.key)
    rows = list((await conn.execute(ordered)).mappings())
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["group_id"]:
            members[row["group_id"]].append(_component(row, []))
    top = [_component(r, members[r["id"]]) for r in rows if not r["group_id"]]
    return top, {r["id"]: r["key"] for r in rows}


def _monitor(row: Any, keys: dict[str, str], parent: str | None, tags: list[str]) -> dict[str, Any]:
    item: dict[str, Any] = {"name": row["name"], "key": row["key"], "kind": row["kind"]}
    if row["target"]:
        item["target"] = row["target"]
    item["interval"] = _seconds(row["interval_s"])
    item["timeout"] = _seconds(row["timeout_s"])
    if row["component_id"] in keys:
        item["component"] = keys[row["component_id"]]
    item["failure_threshold"] = row["failure_threshold"]
    item["success_threshold"] = row["success_threshold"]
    if row["degraded_latency_ms"] is not None:
        item["degraded_latency"] = _seconds(row["degraded_latency_ms"] / 1000)
    item["enabled"] = bool(row["enabled"])
    if parent:
        item["depends_on"] = parent
    if tags:
        item["tags"] = tags
    probes = list(row["probes"] or ["local"])
    if probes != ["local"]:
        item["probes"] = "all" if probes == ["all"] else probes
    if row["quorum"] != "majority":
        item["quorum"] = row["quorum"]
    if row["retry_interval_s"]:
        item["retry_interval"] = _seconds(row["retry_interval_s"])
    if bool(row["public"]) != default_public(row["kind"]):
        item["public"] = bool(row["public"])
    return {**item, **dict(row["options"] or {})}


async def _monitors(conn: AsyncConnection, component_keys: dict[str, str]) -> list[dict[str, Any]]:
    query = select(monitors).where(
        monitors.c.component_id.is_(None) | monitors.c.component_id.in_(list(component_keys))
    )
    rows = list((await conn.execute(query.order_by(monitors.c.key))).mappings())
    key_of = {r["id"]: r["key"] for r in rows}
    dependencies = await conn.execute(
        select(monitor_dependencies.c.monitor_id, monitor_dependencies.c.parent_id)
    )
    parents: dict[str, str] = {str(m): str(p) for m, p in dependencies}
    tags = await tags_of(conn, list(key_of))
    return [
        _monitor(r, component_keys, key_of.get(parents.get(r["id"], "")), tags.get(r["id"], []))
        for r in rows
    ]


async def _maintenance(
    conn: AsyncConnection, page_id: str, component_keys: dict[str, str]
) -> list[dict[str, Any]]:
    query = select(maintenances).where(maintenances.c.page_id == page_id)
    rows = list((await conn.execute(query.order_by(maintenances.c.key))).mappings())
    members: dict[str, list[str]] = defaultdict(list)
    for maintenance_id, component_id in await conn.execute(select(maintenance_components)):
        if component_id in component_keys:
            members[maintenance_id].append(component_keys[component_id])
    found = []
    for row in rows:
        item: dict[str, Any] = {"name": row["name"], "key": row["key"]}
        item["components"] = sorted(members[row["id"]])
        item["start"] = row["start_local"].isoformat()
        item["duration"] = _seconds(row["duration_s"])
        item["time_zone"] = row["time_zone"]
        if row["rrule"]:
            item["rrule"] = row["rrule"]
        if row["message"]:
            item["message"] = row["message"]
        if row["remind_before_s"]:
            item["remind_before"] = _seconds(row["remind_before_s"])
        found.append(item)
    return found


async def export_document(
    conn: AsyncConnection, page_slug: str, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The config as data; `current` is the existing file's mapping, for what the DB lacks."""
    document = dict(current or {})
    row = await _page(conn, page_slug)
    known = dict(document.get("page") or {})
    # The page's look and access settings live only in the file: keep them for the same page.
    page = known if known.get("slug", "default") == row["slug"] else {}
    page.update(
        name=row["name"],
        slug=row["slug"],
        url=row["url"],
        time_zone=row["time_zone"],
        history_days=row["history_days"],
        incidents=row["incidents"],
        publish_after=_seconds(row["publish_after_s"]),
    )
    tree, keys = await _components(conn, row["id"])
    document["page"] = page
    document["components"] = tree
    document["monitors"] = await _monitors(conn, keys)
    document["maintenance"] = await _maintenance(conn, row["id"], keys)
    order = ["page", "pages", "components", "monitors", "maintenance"]
    return {k: document[k] for k in order if k in document} | {
        k: v for k, v in document.items() if k not in order
    }


def _plain(value: Any) -> Any:
    """The YAML loader hands back its own mapping and list types (they remember lines)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def dump(document: dict[str, Any]) -> str:
    header = "# Exported by `hiccup config export`; check it with `hiccup check`.\n"
    body = yaml.safe_dump(_plain(document), sort_keys=False, allow_unicode=True, width=100)
    return header + body
