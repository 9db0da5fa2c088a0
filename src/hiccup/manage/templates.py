"""Reusable incident templates: a title, a first message, an impact, the first status and the
affected components with their statuses, ready to adapt."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update

from hiccup.core.ids import new_id
from hiccup.manage.context import Actor, Ops, change
from hiccup.manage.errors import Conflict, Invalid, NotFound
from hiccup.manage.models import TemplateIn, TemplateOut
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.tables import components
from hiccup.store.tables_accounts import incident_templates


async def _check_components(conn: AsyncConnection, data: TemplateIn) -> None:
    ids = [c.component_id for c in data.components]
    if not ids:
        return
    leaves = components.c.is_group.is_(False)
    query = select(components.c.id).where(components.c.id.in_(ids), leaves)
    known = set((await conn.execute(query)).scalars())
    problems = {
        f"components.{i}.component_id": "no such component"
        for i, wanted in enumerate(data.components)
        if wanted.component_id not in known
    }
    if len(set(ids)) != len(ids):
        problems["components"] = "a component is listed twice"
    if problems:
        raise Invalid(problems)


async def list_templates(ops: Ops) -> list[TemplateOut]:
    async with ops.engine.connect() as conn:
        query = select(incident_templates).order_by(incident_templates.c.name)
        return [TemplateOut.model_validate(dict(r)) for r in (await conn.execute(query)).mappings()]


async def _row(conn: AsyncConnection, template_id: str) -> Any:
    query = select(incident_templates).where(incident_templates.c.id == template_id)
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise NotFound("template")
    return row


def _editable(row: Any) -> None:
    if row["declared"]:
        raise Conflict(
            "declared_in_config",
            f"template {row['name']!r} is declared in the config file; change it there",
        )


async def get_template(ops: Ops, template_id: str) -> TemplateOut:
    async with ops.engine.connect() as conn:
        return TemplateOut.model_validate(dict(await _row(conn, template_id)))


async def save_template(
    ops: Ops, actor: Actor, data: TemplateIn, template_id: str | None = None
) -> TemplateOut:
    async with change(ops, actor) as c:
        if template_id is not None:
            _editable(await _row(c.conn, template_id))
        clash = select(incident_templates.c.id).where(
            incident_templates.c.name == data.name, incident_templates.c.id != (template_id or "")
        )
        if (await c.conn.execute(clash)).first() is not None:
            raise Invalid({"name": f"another template is called {data.name!r}"})
        await _check_components(c.conn, data)
        values = {**data.model_dump(mode="json"), "updated_at": c.now}
        if template_id is None:
            template_id = new_id()
            await c.conn.execute(
                insert(incident_templates).values(id=template_id, created_at=c.now, **values)
            )
            await c.audit("template.create", f"template {data.name}")
        else:
            query = update(incident_templates).where(incident_templates.c.id == template_id)
            await c.conn.execute(query.values(values))
            await c.audit("template.update", f"template {data.name}")
        return TemplateOut.model_validate(dict(await _row(c.conn, template_id)))


async def delete_template(ops: Ops, actor: Actor, template_id: str) -> None:
    async with change(ops, actor) as c:
        row = await _row(c.conn, template_id)
        _editable(row)
        await c.conn.execute(
            delete(incident_templates).where(incident_templates.c.id == template_id)
        )
        await c.audit("template.delete", f"template {row['name']}")
