"""Pages, components and component groups from the admin."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, insert, select, update

from hiccup.config.model import slugify
from hiccup.core.changes import describe_changes
from hiccup.core.ids import new_id
from hiccup.manage.context import Actor, Ops, change
from hiccup.manage.errors import Conflict, Invalid, NotFound
from hiccup.manage.models import ComponentIn, ComponentOut, PageIn, PageOut
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.tables import components, pages


def zone_problem(name: str) -> str | None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)"
    return None


async def resolve_page(conn: AsyncConnection, ops: Ops, page_id: str | None) -> str:
    """The page asked for, else the page this server shows, else the only page there is."""
    if page_id is not None:
        found = await conn.execute(select(pages.c.id).where(pages.c.id == page_id))
        if found.first() is None:
            raise Invalid({"page_id": "no such page"})
        return page_id
    query = select(pages.c.id).order_by((pages.c.slug != ops.default_page_slug), pages.c.slug)
    first = (await conn.execute(query.limit(1))).scalar()
    if first is None:
        raise Invalid({"page_id": "there is no page yet; create one first"})
    return str(first)


async def list_pages(ops: Ops) -> list[PageOut]:
    async with ops.engine.connect() as conn:
        rows = (await conn.execute(select(pages).order_by(pages.c.slug))).mappings()
        return [PageOut.model_validate(dict(r)) for r in rows]


async def _page_row(conn: AsyncConnection, page_id: str, editable: bool = False) -> Any:
    row = (await conn.execute(select(pages).where(pages.c.id == page_id))).mappings().first()
    if row is None:
        raise NotFound("page")
    if editable and row["declared"]:
        raise Conflict("declared_in_config", "this page is declared in the config file")
    return row


async def get_page(ops: Ops, page_id: str) -> PageOut:
    async with ops.engine.connect() as conn:
        return PageOut.model_validate(dict(await _page_row(conn, page_id)))


async def _check_page(conn: AsyncConnection, data: PageIn, page_id: str | None) -> None:
    problems: dict[str, str] = {}
    if (zone := zone_problem(data.time_zone)) is not None:
        problems["time_zone"] = zone
    clash = select(pages.c.id).where(pages.c.slug == data.slug, pages.c.id != (page_id or ""))
    if (await conn.execute(clash)).first() is not None:
        problems["slug"] = f"another page has the slug {data.slug!r}"
    if problems:
        raise Invalid(problems)


async def save_page(ops: Ops, actor: Actor, data: PageIn, page_id: str | None = None) -> PageOut:
    async with change(ops, actor) as c:
        before = None if page_id is None else await _page_row(c.conn, page_id, editable=True)
        await _check_page(c.conn, data, page_id)
        values = {**data.model_dump(), "updated_at": c.now}
        if page_id is None:
            page_id = new_id()
            await c.conn.execute(
                insert(pages).values(id=page_id, declared=False, created_at=c.now, **values)
            )
            await c.audit("page.create", f"page {data.slug}")
        else:
            await c.conn.execute(update(pages).where(pages.c.id == page_id).values(values))
            summary = describe_changes(before or {}, values)
            await c.audit("page.update", f"page {data.slug}", summary)
        saved = PageOut.model_validate(dict(await _page_row(c.conn, page_id)))
    ops.refresh_public()
    return saved


async def delete_page(ops: Ops, actor: Actor, page_id: str) -> None:
    async with change(ops, actor) as c:
        row = await _page_row(c.conn, page_id, editable=True)
        await c.conn.execute(delete(pages).where(pages.c.id == page_id))
        await c.audit("page.delete", f"page {row['slug']}")
    ops.refresh_public()


async def list_components(ops: Ops) -> list[ComponentOut]:
    async with ops.engine.connect() as conn:
        query = select(components).order_by(components.c.page_id, components.c.position)
        rows = (await conn.execute(query)).mappings()
        return [ComponentOut.model_validate(dict(r)) for r in rows]


async def _component_row(conn: AsyncConnection, component_id: str, editable: bool = False) -> Any:
    query = select(components).where(components.c.id == component_id)
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise NotFound("component")
    if editable and row["declared"]:
        raise Conflict(
            "declared_in_config",
            f"component {row['key']!r} is declared in the config file; change it there",
        )
    return row


async def get_component(ops: Ops, component_id: str) -> ComponentOut:
    async with ops.engine.connect() as conn:
        return ComponentOut.model_validate(dict(await _component_row(conn, component_id)))


async def _check_component(
    conn: AsyncConnection, data: ComponentIn, page_id: str, key: str, component_id: str | None
) -> None:
    problems: dict[str, str] = {}
    if data.group_id is not None:
        query = select(components).where(components.c.id == data.group_id)
        group = (await conn.execute(query)).mappings().first()
        if group is None or not group["is_group"] or group["page_id"] != page_id:
            problems["group_id"] = "not a group on the same page"
        elif data.is_group:
            problems["group_id"] = "a group cannot belong to another group"
    same = components.c.page_id == page_id
    clash = select(components.c.id).where(
        same, components.c.key == key, components.c.id != (component_id or "")
    )
    if (await conn.execute(clash)).first() is not None:
        problems["key"] = f"another component on this page has the key {key!r}"
    if problems:
        raise Invalid(problems)


async def _next_position(conn: AsyncConnection, page_id: str) -> int:
    """New components go last, so the page's order (and an exported file's) stays stable."""
    query = select(func.max(components.c.position)).where(components.c.page_id == page_id)
    highest = (await conn.execute(query)).scalar()
    return 0 if highest is None else int(highest) + 1


async def save_component(
    ops: Ops, actor: Actor, data: ComponentIn, component_id: str | None = None
) -> ComponentOut:
    async with change(ops, actor) as c:
        row = None if component_id is None else await _component_row(c.conn, component_id, True)
        page_id = (
            row["page_id"] if row is not None else await resolve_page(c.conn, ops, data.page_id)
        )
        key = data.key or (row["key"] if row is not None else slugify(data.name))
        await _check_component(c.conn, data, page_id, key, component_id)
        values = data.model_dump(exclude={"page_id", "key"}) | {"key": key, "updated_at": c.now}
        if component_id is None and "position" not in data.model_fields_set:
            values["position"] = await _next_position(c.conn, page_id)
        if component_id is None:
            component_id = new_id()
            await c.conn.execute(
                insert(components).values(
                    id=component_id, page_id=page_id, declared=False, created_at=c.now, **values
                )
            )
            await c.audit("component.create", f"component {key}")
        else:
            query = update(components).where(components.c.id == component_id)
            await c.conn.execute(query.values(values))
            assert row is not None  # editing: read above
            await c.audit("component.update", f"component {key}", describe_changes(row, values))
        saved = ComponentOut.model_validate(dict(await _component_row(c.conn, component_id)))
    ops.refresh_public()
    return saved


async def delete_component(ops: Ops, actor: Actor, component_id: str) -> None:
    async with change(ops, actor) as c:
        row = await _component_row(c.conn, component_id, editable=True)
        await c.conn.execute(delete(components).where(components.c.id == component_id))
        await c.audit("component.delete", f"component {row['key']}")
    await ops.reload_monitors()
    ops.refresh_public()
