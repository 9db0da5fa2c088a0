"""Idempotent sync of the `notifications:` config into the tables: channels, alert rules,
monitor dependencies and the operator's chat subscriptions. Running it twice changes nothing.

Channels and rules made in the admin (`declared = False`) are left alone, so they outlive
restarts and reloads. A channel disabled after a permanent failure stays disabled across
restarts until its settings change in the file: the operator fixing the address is what turns
it back on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, insert, select, update

from hiccup.config.model import HiccupConfig
from hiccup.config.notifications import ChannelConfig, NotificationsConfig
from hiccup.core.ids import new_id
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.tables import components, monitors, pages
from hiccup.store.tables_notify import (
    alert_rules,
    monitor_dependencies,
    notify_channels,
    subscriber_components,
    subscribers,
)


async def _adopt(conn: AsyncConnection, table: Table, keys: list[str], **values: Any) -> None:
    """A channel or rule made in the admin whose key the file now declares becomes the
    file's (its values are then synced as usual), rather than clashing on the key; turned off
    in the admin, it is on again: the file has no switch for it."""
    if keys:
        await conn.execute(
            update(table)
            .where(table.c.key.in_(keys), table.c.declared.is_(False))
            .values(declared=True, enabled=True, **values)
        )


def _channel_values(channel: ChannelConfig) -> dict[str, Any]:
    settings = channel.settings()
    return {"kind": channel.kind, "target": settings.target(), "options": settings.stored()}


async def _sync_channels(
    conn: AsyncConnection, config: NotificationsConfig, now: datetime, changes: list[str]
) -> None:
    await _adopt(conn, notify_channels, [c.key for c in config.channels], disabled_reason=None)
    rows = await conn.execute(select(notify_channels).where(notify_channels.c.declared))
    existing = {r["key"]: r for r in rows.mappings()}
    for channel in config.channels:
        values = _channel_values(channel)
        row = existing.pop(channel.key, None)
        if row is None:
            await conn.execute(
                insert(notify_channels).values(
                    id=new_id(),
                    key=channel.key,
                    enabled=True,
                    declared=True,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
            changes.append(f"channel {channel.key} created")
        elif any(row[k] != v for k, v in values.items()):
            await conn.execute(
                update(notify_channels)
                .where(notify_channels.c.id == row["id"])
                .values(enabled=True, disabled_reason=None, updated_at=now, **values)
            )
            changes.append(f"channel {channel.key} updated")
    if existing:
        ids = [r["id"] for r in existing.values()]
        await conn.execute(delete(notify_channels).where(notify_channels.c.id.in_(ids)))
        changes += [f"channel {key} removed" for key in existing]


async def _sync_rules(
    conn: AsyncConnection, config: NotificationsConfig, now: datetime, changes: list[str]
) -> None:
    await _adopt(conn, alert_rules, [config.rule_key(i) for i in range(len(config.alerts))])
    rows = await conn.execute(select(alert_rules).where(alert_rules.c.declared))
    existing = {r["key"]: r for r in rows.mappings()}
    for index, rule in enumerate(config.alerts):
        key = config.rule_key(index)
        values = {
            "channels": list(rule.channels),
            "monitors": list(rule.monitors),
            "components": list(rule.components),
            "events": list(rule.on),
            "remind_every_s": rule.remind_every.total_seconds() if rule.remind_every else None,
        }
        row = existing.pop(key, None)
        if row is None:
            await conn.execute(
                insert(alert_rules).values(
                    id=new_id(), key=key, declared=True, created_at=now, updated_at=now, **values
                )
            )
            changes.append(f"alert rule {key} created")
        elif any(row[k] != v for k, v in values.items()):
            await conn.execute(
                update(alert_rules)
                .where(alert_rules.c.id == row["id"])
                .values(updated_at=now, **values)
            )
            changes.append(f"alert rule {key} updated")
    if existing:
        ids = [r["id"] for r in existing.values()]
        await conn.execute(delete(alert_rules).where(alert_rules.c.id.in_(ids)))
        changes += [f"alert rule {key} removed" for key in existing]


async def _sync_dependencies(conn: AsyncConnection, config: HiccupConfig) -> None:
    ids = dict((await conn.execute(select(monitors.c.key, monitors.c.id))).all())
    wanted = {
        ids[m.slug]: ids[m.depends_on]
        for m in config.monitors
        if m.depends_on and m.slug in ids and m.depends_on in ids
    }
    current = dict(
        (
            await conn.execute(
                select(monitor_dependencies.c.monitor_id, monitor_dependencies.c.parent_id)
            )
        ).all()
    )
    if current == wanted:
        return
    await conn.execute(delete(monitor_dependencies))
    if wanted:
        rows = [{"monitor_id": child, "parent_id": parent} for child, parent in wanted.items()]
        await conn.execute(insert(monitor_dependencies), rows)


async def _chat_components(
    conn: AsyncConnection, subscriber_id: str, component_ids: list[str]
) -> None:
    where = subscriber_components.c.subscriber_id == subscriber_id
    current = set(
        (await conn.execute(select(subscriber_components.c.component_id).where(where))).scalars()
    )
    if current == set(component_ids):
        return
    await conn.execute(delete(subscriber_components).where(where))
    if component_ids:
        rows = [{"subscriber_id": subscriber_id, "component_id": c} for c in component_ids]
        await conn.execute(insert(subscriber_components), rows)


async def _sync_chats(conn: AsyncConnection, config: HiccupConfig, now: datetime) -> None:
    page_id = (
        await conn.execute(select(pages.c.id).where(pages.c.slug == config.page.slug))
    ).scalar_one()
    query = select(subscribers.c.address, subscribers.c.id).where(
        subscribers.c.page_id == page_id, subscribers.c.declared
    )
    existing = dict((await conn.execute(query)).all())
    keys = dict(
        (
            await conn.execute(
                select(components.c.key, components.c.id).where(components.c.page_id == page_id)
            )
        ).all()
    )
    for chat in config.notifications.chat_subscriptions:
        subscriber_id = existing.pop(chat.url, None)
        if subscriber_id is None:
            subscriber_id = new_id()
            await conn.execute(
                insert(subscribers).values(
                    id=subscriber_id,
                    page_id=page_id,
                    site_page=config.page.slug,  # chat subscriptions are the main page's
                    kind="apprise",
                    address=chat.url,
                    all_components=not chat.components,
                    confirmed_at=now,  # the operator's own channel: nothing to opt into
                    declared=True,
                    created_at=now,
                    updated_at=now,
                )
            )
        else:
            await conn.execute(
                update(subscribers)
                .where(subscribers.c.id == subscriber_id)
                .values(all_components=not chat.components, disabled_reason=None)
            )
        await _chat_components(conn, subscriber_id, [keys[k] for k in chat.components])
    if existing:
        await conn.execute(delete(subscribers).where(subscribers.c.id.in_(existing.values())))


async def sync_notifications(
    conn: AsyncConnection, config: HiccupConfig, now: datetime
) -> list[str]:
    """Make the declared notification rows match the file (after store.sync.sync_config)."""
    changes: list[str] = []
    await _sync_channels(conn, config.notifications, now, changes)
    await _sync_rules(conn, config.notifications, now, changes)
    await _sync_dependencies(conn, config)
    await _sync_chats(conn, config, now)
    return changes
