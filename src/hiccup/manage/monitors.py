"""Monitors from the admin: list for the dashboard, create, edit, pause, resume, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, insert, select, update

from hiccup.checks.registry import (
    UnknownCheckKind,
    default_public,
    options_model,
    target_problem,
)
from hiccup.config.model import slugify
from hiccup.core.changes import NOTHING_CHANGED, describe_changes
from hiccup.core.ids import new_id
from hiccup.manage.context import Actor, Ops, change
from hiccup.manage.errors import Conflict, Invalid, NotFound
from hiccup.manage.models import (
    CertificateOut,
    FalseIn,
    MonitorIn,
    MonitorOut,
    OutageOut,
    Paged,
    ResultOut,
)
from hiccup.manage.validation import field_messages
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.certificates import KnownCertificate, known_certificates
from hiccup.store.dashboard import MonitorQuery, monitor_page
from hiccup.store.false_alarms import mark_outage_false as store_mark_outage_false
from hiccup.store.false_alarms import monitor_outages
from hiccup.store.results import recent_results as recent_stored
from hiccup.store.tables import components, monitor_states, monitors
from hiccup.store.tags import set_tags, tags_of


def _out(row: Any, tags: list[str], certificate: KnownCertificate | None) -> MonitorOut:
    state = row["state"] or "unknown"
    return MonitorOut(
        id=row["id"],
        key=row["key"],
        name=row["name"],
        kind=row["kind"],
        target=row["target"],
        interval_s=row["interval_s"],
        timeout_s=row["timeout_s"],
        retry_interval_s=row["retry_interval_s"],
        options=dict(row["options"] or {}),
        failure_threshold=row["failure_threshold"],
        success_threshold=row["success_threshold"],
        degraded_latency_ms=row["degraded_latency_ms"],
        component_id=row["component_id"],
        component_name=row["component_name"],
        enabled=row["enabled"],
        declared=row["declared"],
        tags=tags,
        state=state if row["enabled"] else "paused",
        last_result_at=row["last_result_at"],
        public=row["public"],
        certificate=None if certificate is None else CertificateOut.model_validate(certificate),
    )


async def list_monitors(
    ops: Ops, spec: MonitorQuery, now: datetime | None = None
) -> Paged[MonitorOut]:
    async with ops.engine.connect() as conn:
        rows, total = await monitor_page(conn, spec, now or ops.clock.now())
        ids = [r["id"] for r in rows]
        tags = await tags_of(conn, ids)
        certificates = await known_certificates(conn, ids)
    items = [_out(r, tags.get(r["id"], []), certificates.get(r["id"])) for r in rows]
    return Paged[MonitorOut](items=items, total=total, page=spec.page, per_page=spec.per_page)


async def get_monitor(ops: Ops, monitor_id: str) -> MonitorOut:
    async with ops.engine.connect() as conn:
        return await _read(conn, monitor_id)


async def _read(conn: AsyncConnection, monitor_id: str) -> MonitorOut:
    query = select(monitors, components.c.name.label("component_name")).outerjoin(
        components, components.c.id == monitors.c.component_id
    )
    row = (await conn.execute(query.where(monitors.c.id == monitor_id))).mappings().first()
    if row is None:
        raise NotFound("monitor")
    state = (
        await conn.execute(
            select(monitor_states.c.state, monitor_states.c.last_result_at).where(
                monitor_states.c.monitor_id == monitor_id
            )
        )
    ).first()
    merged = {**row, "state": state[0] if state else None, "last_result_at": None}
    if state:
        merged["last_result_at"] = state[1]
    tags = await tags_of(conn, [monitor_id])
    certificate = (await known_certificates(conn, [monitor_id])).get(monitor_id)
    return _out(merged, tags.get(monitor_id, []), certificate)


def kind_problems(data: MonitorIn) -> dict[str, str]:
    problems: dict[str, str] = {}
    try:
        options_model(data.kind).model_validate(data.options)
    except UnknownCheckKind as error:
        problems["kind"] = str(error)
    except ValidationError as error:
        problems.update(field_messages(error, "options"))
    if (problem := target_problem(data.kind, data.target)) is not None:
        problems["target"] = problem
    if data.retry_interval_s is not None and data.retry_interval_s >= data.interval_s:
        problems["retry_interval_s"] = "must be shorter than the interval"
    return problems


async def _check(conn: AsyncConnection, data: MonitorIn, key: str, monitor_id: str | None) -> None:
    problems = kind_problems(data)
    if data.component_id is not None:
        found = await conn.execute(
            select(components.c.id).where(components.c.id == data.component_id)
        )
        if found.first() is None:
            problems["component_id"] = "no such component"
    clash = select(monitors.c.id).where(monitors.c.key == key, monitors.c.id != (monitor_id or ""))
    if (await conn.execute(clash)).first() is not None:
        problems["key"] = f"another monitor has the key {key!r}"
    if problems:
        raise Invalid(problems)


def _values(data: MonitorIn) -> dict[str, Any]:
    return {
        "name": data.name,
        "kind": data.kind,
        "target": data.target,
        "interval_s": data.interval_s,
        "timeout_s": data.timeout_s,
        "retry_interval_s": data.retry_interval_s,
        "options": data.options,
        "failure_threshold": data.failure_threshold,
        "success_threshold": data.success_threshold,
        "degraded_latency_ms": data.degraded_latency_ms,
        "component_id": data.component_id,
        "enabled": data.enabled,
        "public": default_public(data.kind) if data.public is None else data.public,
    }


async def create_monitor(ops: Ops, actor: Actor, data: MonitorIn) -> MonitorOut:
    key = data.key or slugify(data.name)
    async with change(ops, actor) as c:
        await _check(c.conn, data, key, None)
        monitor_id = new_id()
        await c.conn.execute(
            insert(monitors).values(
                id=monitor_id,
                key=key,
                declared=False,
                created_at=c.now,
                updated_at=c.now,
                **_values(data),
            )
        )
        await set_tags(c.conn, monitor_id, data.tags)
        await c.audit("monitor.create", f"monitor {key}", data.target)
        created = await _read(c.conn, monitor_id)
    await ops.reload_monitors()
    return created


async def _editable(conn: AsyncConnection, monitor_id: str) -> Any:
    row = (
        (await conn.execute(select(monitors).where(monitors.c.id == monitor_id))).mappings().first()
    )
    if row is None:
        raise NotFound("monitor")
    if row["declared"]:
        raise Conflict(
            "declared_in_config",
            f"monitor {row['key']!r} is declared in the config file; change it there",
        )
    return row


async def update_monitor(ops: Ops, actor: Actor, monitor_id: str, data: MonitorIn) -> MonitorOut:
    async with change(ops, actor) as c:
        row = await _editable(c.conn, monitor_id)
        key = data.key or row["key"]
        await _check(c.conn, data, key, monitor_id)
        values = {**_values(data), "key": key, "updated_at": c.now}
        await c.conn.execute(update(monitors).where(monitors.c.id == monitor_id).values(values))
        retagged = await set_tags(c.conn, monitor_id, data.tags)
        summary = describe_changes(row, values)
        if retagged:
            summary = "tags changed" if summary == NOTHING_CHANGED else f"{summary}; tags changed"
        await c.audit("monitor.update", f"monitor {key}", summary)
        updated = await _read(c.conn, monitor_id)
    await ops.reload_monitors()
    ops.refresh_public()
    return updated


async def set_enabled(ops: Ops, actor: Actor, monitor_id: str, enabled: bool) -> MonitorOut:
    async with change(ops, actor) as c:
        row = await _editable(c.conn, monitor_id)
        query = update(monitors).where(monitors.c.id == monitor_id)
        await c.conn.execute(query.values(enabled=enabled, updated_at=c.now))
        await c.audit("monitor.resume" if enabled else "monitor.pause", f"monitor {row['key']}")
        updated = await _read(c.conn, monitor_id)
    await ops.reload_monitors()
    return updated


async def delete_monitor(ops: Ops, actor: Actor, monitor_id: str) -> None:
    async with change(ops, actor) as c:
        row = await _editable(c.conn, monitor_id)
        await c.conn.execute(delete(monitors).where(monitors.c.id == monitor_id))
        await c.audit("monitor.delete", f"monitor {row['key']}")
    await ops.reload_monitors()
    ops.refresh_public()


async def recent_results(ops: Ops, monitor_id: str, limit: int) -> list[ResultOut]:
    """The monitor's latest raw results, newest first (kept for the retention window)."""
    async with ops.engine.connect() as conn:
        await _read(conn, monitor_id)  # NotFound for an unknown monitor
        rows = await recent_stored(conn, monitor_id, limit)
    return [ResultOut.model_validate(row) for row in rows]


async def outages_of(ops: Ops, monitor_id: str, limit: int) -> list[OutageOut]:
    """The monitor's confirmed outages, newest first, with those marked false."""
    async with ops.engine.connect() as conn:
        await _read(conn, monitor_id)  # NotFound for an unknown monitor
        found = await monitor_outages(conn, monitor_id, limit)
    return [OutageOut.model_validate(row, from_attributes=True) for row in found]


async def mark_outage_false(ops: Ops, actor: Actor, outage_id: str, data: FalseIn) -> None:
    """A confirmed outage that was none (a probe fault, a typo since fixed): out of public
    uptime, history and SLA; kept here and in the audit log. Marking it again changes nothing."""
    if not outage_id.isdigit() or len(outage_id) > 18:
        raise NotFound("outage")
    async with change(ops, actor) as c:
        marked = await store_mark_outage_false(c.conn, int(outage_id), c.now)
        if marked is None:
            raise NotFound("outage")
        if marked:
            await c.audit("outage.false", f"outage {outage_id}", data.reason[:200])
    ops.refresh_public()
