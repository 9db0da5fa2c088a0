"""Incident templates declared in hiccup.yaml, made to match the file at each start; templates
made in the admin are left alone (a declared one takes over an admin one of the same name)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from hiccup.config.incident_templates import IncidentTemplateConfig
from hiccup.core.ids import new_id
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.tables_accounts import incident_templates as table


def _values(item: IncidentTemplateConfig, component_ids: Mapping[str, str]) -> dict[str, Any]:
    return {
        "title": item.title,
        "body": item.body,
        "impact": item.impact.value,
        "status": item.status,
        "components": [
            {"component_id": component_ids[key], "status": status.value}
            for key, status in item.components.items()
            if key in component_ids  # config validation names unknown keys
        ],
        "declared": True,
    }


async def sync_templates(
    conn: AsyncConnection,
    declared: Sequence[IncidentTemplateConfig],
    component_ids: Mapping[str, str],
    now: datetime,
) -> tuple[list[str], list[str], list[str]]:
    """(created, updated, removed) descriptions, as the rest of the config sync reports."""
    rows = {r["name"]: r for r in (await conn.execute(select(table))).mappings()}
    created, updated = [], []
    for item in declared:
        values = _values(item, component_ids)
        row = rows.pop(item.name, None)
        if row is None:
            await conn.execute(
                insert(table).values(
                    id=new_id(), name=item.name, created_at=now, updated_at=now, **values
                )
            )
            created.append(f"incident template {item.name}")
        elif any(row[k] != v for k, v in values.items()):
            await conn.execute(
                update(table).where(table.c.id == row["id"]).values(updated_at=now, **values)
            )
            updated.append(f"incident template {item.name}")
    gone = [r for r in rows.values() if r["declared"]]
    if gone:
        await conn.execute(delete(table).where(table.c.id.in_([r["id"] for r in gone])))
    return created, updated, [f"incident template {r['name']}" for r in gone]
