"""Idempotent sync of hiccup.yaml into the database: declared items created, updated, removed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from hiccup.config.model import ComponentConfig, HiccupConfig, MonitorConfig
from hiccup.core.ids import new_id
from hiccup.store.adopt import adopt_declared
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.maintenance import sync_maintenance
from hiccup.store.tables import components, monitors, pages
from hiccup.store.tags import sync_declared_tags
from hiccup.store.template_sync import sync_templates


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)

    def describe(self, shown: int = 10) -> str:
        """The changes in words for a log line, each list cut after `shown` names."""
        parts = []
        for verb, names in (
            ("created", self.created),
            ("updated", self.updated),
            ("removed", self.removed),
        ):
            if names:
                listed = ", ".join(names[:shown])
                more = f" and {len(names) - shown} more" if len(names) > shown else ""
                parts.append(f"{verb} {listed}{more}")
        return "; ".join(parts) or "no changes"


async def _upsert_page(
    conn: AsyncConnection, config: HiccupConfig, now: datetime, report: SyncReport
) -> str:
    values = {
        "name": config.page.name,
        "url": config.page.url,
        "time_zone": config.page.time_zone,
        "history_days": config.page.history_days,
        "incidents": config.page.incidents.value,
        "publish_after_s": config.page.publish_after.total_seconds(),
    }
    row = (
        (await conn.execute(select(pages).where(pages.c.slug == config.page.slug)))
        .mappings()
        .first()
    )
    if row is None:
        page_id = new_id()
        await conn.execute(
            pages.insert().values(
                id=page_id,
                slug=config.page.slug,
                declared=True,
                created_at=now,
                updated_at=now,
                **values,
            )
        )
        report.created.append(f"page {config.page.slug}")
        return page_id
    if any(row[k] != v for k, v in values.items()):
        await conn.execute(
            update(pages).where(pages.c.id == row["id"]).values(updated_at=now, **values)
        )
        report.updated.append(f"page {config.page.slug}")
    return str(row["id"])


def _component_values(item: ComponentConfig, group_id: str | None, position: int) -> dict[str, Any]:
    return {
        "name": item.name,
        "description": item.description,
        "group_id": group_id,
        "is_group": bool(item.components),
        "position": position,
        "incidents": item.incidents.value if item.incidents else None,
        "publish_after_s": item.publish_after.total_seconds()
        if item.publish_after is not None
        else None,
    }


async def _sync_components(
    conn: AsyncConnection, page_id: str, config: HiccupConfig, now: datetime, report: SyncReport
) -> dict[str, str]:
    query = select(components).where(components.c.page_id == page_id, components.c.declared)
    existing = {r["key"]: r for r in (await conn.execute(query)).mappings()}
    ids: dict[str, str] = {}
    for position, (item, group) in enumerate(config.all_components()):
        values = _component_values(item, ids[group.slug] if group else None, position)
        row = existing.pop(item.slug, None)
        if row is None:
            ids[item.slug] = new_id()
            await conn.execute(
                components.insert().values(
                    id=ids[item.slug],
                    page_id=page_id,
                    key=item.slug,
                    declared=True,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
            report.created.append(f"component {item.slug}")
            continue
        ids[item.slug] = row["id"]
        if any(row[k] != v for k, v in values.items()):
            await conn.execute(
                update(components)
                .where(components.c.id == row["id"])
                .values(updated_at=now, **values)
            )
            report.updated.append(f"component {item.slug}")
    if existing:
        await conn.execute(
            delete(components).where(components.c.id.in_([r["id"] for r in existing.values()]))
        )
        report.removed += [f"component {key}" for key in existing]
    return ids


def _monitor_values(item: MonitorConfig, component_ids: dict[str, str]) -> dict[str, Any]:
    return {
        "name": item.name,
        "kind": item.kind,
        "target": item.target,
        "interval_s": item.interval.total_seconds(),
        "timeout_s": item.timeout.total_seconds(),
        "options": item.options,
        "failure_threshold": item.failures_to_confirm,
        "success_threshold": item.success_threshold,
        "degraded_latency_ms": item.degraded_latency.total_seconds() * 1000
        if item.degraded_latency
        else None,
        "component_id": component_ids.get(item.component) if item.component else None,
        "enabled": item.enabled,
        "probes": ["all"] if item.probes == "all" else list(item.probes),
        "quorum": item.quorum,
        "retry_interval_s": item.retry_interval.total_seconds() if item.retry_interval else None,
        "public": item.is_public,
    }


async def _sync_monitors(
    conn: AsyncConnection,
    config: HiccupConfig,
    component_ids: dict[str, str],
    now: datetime,
    report: SyncReport,
) -> None:
    existing = {
        r["key"]: r
        for r in (await conn.execute(select(monitors).where(monitors.c.declared))).mappings()
    }
    fresh: list[dict[str, Any]] = []  # inserted in one statement: a first start with
    for item in config.monitors:  # thousands of monitors would otherwise take seconds
        values = _monitor_values(item, component_ids)
        row = existing.pop(item.slug, None)
        if row is None:
            created = {"created_at": now, "updated_at": now}
            fresh.append({"id": new_id(), "key": item.slug, "declared": True, **created, **values})
            report.created.append(f"monitor {item.slug}")
        elif any(row[k] != v for k, v in values.items()):
            await conn.execute(
                update(monitors).where(monitors.c.id == row["id"]).values(updated_at=now, **values)
            )
            report.updated.append(f"monitor {item.slug}")
    if fresh:
        await conn.execute(monitors.insert(), fresh)
    if existing:
        await conn.execute(
            delete(monitors).where(monitors.c.id.in_([r["id"] for r in existing.values()]))
        )
        report.removed += [f"monitor {key}" for key in existing]


def _tags(config: HiccupConfig) -> dict[str, list[str]]:
    return {m.slug: list(m.tags) for m in config.monitors}


async def sync_config(conn: AsyncConnection, config: HiccupConfig, now: datetime) -> SyncReport:
    """Make the declared rows match the file; rows created in the UI are left alone."""
    report = SyncReport()
    page_id = await _upsert_page(conn, config, now, report)
    await adopt_declared(conn, page_id, config)  # rows made in the admin, now in the file
    component_ids = await _sync_components(conn, page_id, config, now, report)
    await _sync_monitors(conn, config, component_ids, now, report)
    tagged = await sync_declared_tags(conn, _tags(config))
    report.updated += [f"monitor {key} tags" for key in tagged]
    created, updated, removed = await sync_maintenance(conn, page_id, config, component_ids, now)
    report.created += created
    report.updated += updated
    report.removed += removed
    created, updated, removed = await sync_templates(
        conn, config.incident_templates, component_ids, now
    )
    report.created += created
    report.updated += updated
    report.removed += removed
    return report
