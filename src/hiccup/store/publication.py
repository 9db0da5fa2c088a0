"""Each component's publication policy and its pending deadline (hiccup.core.publication).

The deadline is stored, not scanned for (healthchecks' `alert_after`): a partial index holds
only the components whose incident is waiting to go public.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hiccup.core.publication import IncidentMode, PublishPolicy, resolve_policy
from hiccup.core.status import MonitorState
from hiccup.store.codec import utc_or_none
from hiccup.store.results import latest_error
from hiccup.store.tables import components, monitor_states, monitors, pages


async def publication_of(
    conn: AsyncConnection, component_id: str
) -> tuple[PublishPolicy, datetime | None]:
    """The component's policy (its own settings, else its page's) and when its trouble began."""
    c, p = components.c, pages.c
    query = (
        select(c.incidents, c.publish_after_s, c.trouble_since, p.incidents, p.publish_after_s)
        .join(pages, p.id == c.page_id)
        .where(c.id == component_id)
    )
    own_mode, own_after, since, page_mode, page_after = (await conn.execute(query)).one()
    page = PublishPolicy(IncidentMode(page_mode), timedelta(seconds=page_after))
    policy = resolve_policy(
        page,
        IncidentMode(own_mode) if own_mode else None,
        None if own_after is None else timedelta(seconds=own_after),
    )
    return policy, utc_or_none(since)


async def remember(
    conn: AsyncConnection,
    component_id: str,
    trouble_since: datetime | None,
    publish_due_at: datetime | None,
) -> None:
    await conn.execute(
        update(components)
        .where(components.c.id == component_id)
        .values(trouble_since=trouble_since, publish_due_at=publish_due_at)
    )


async def due_components(conn: AsyncConnection, now: datetime) -> list[str]:
    """Components whose incident should go public by now; served by the partial index."""
    query = (
        select(components.c.id)
        .where(components.c.publish_due_at.is_not(None), components.c.publish_due_at <= now)
        .order_by(components.c.publish_due_at)
    )
    return list((await conn.execute(query)).scalars())


async def claim_due(conn: AsyncConnection, component_id: str, now: datetime) -> datetime | None:
    """Take the component's passed deadline (another server or a recovery may have cleared it
    meanwhile); the trouble's start if taken, else None. A write first, like the claim of an
    event: of two takers only one changes the row, whatever the engine's locking."""
    c = components.c
    claimed = await conn.execute(
        update(components)
        .where(c.id == component_id, c.publish_due_at.is_not(None), c.publish_due_at <= now)
        .values(publish_due_at=None)
    )
    if claimed.rowcount != 1:
        return None
    query = select(c.trouble_since).where(c.id == component_id)
    return utc_or_none((await conn.execute(query)).scalar())


async def trouble_causes(
    conn: AsyncConnection, component_id: str
) -> list[tuple[str, str, str | None]]:
    """(kind, name, latest error) of the component's public monitors now down or degraded."""
    m = monitors.c
    latest = latest_error(m.id)
    query = (
        select(m.kind, m.name, latest)
        .join(monitor_states, monitor_states.c.monitor_id == m.id)
        .where(
            m.component_id == component_id,
            m.enabled,
            m.public,
            # As applied: a check that never answered is not the page's trouble (core.reach).
            monitor_states.c.applied_state.in_(
                [MonitorState.DOWN.value, MonitorState.DEGRADED.value]
            ),
        )
        .order_by(m.name)
    )
    return [(kind, name, error) for kind, name, error in await conn.execute(query)]


async def public_monitor_kinds(conn: AsyncConnection, component_id: str) -> list[str]:
    """The kinds of the component's enabled public monitors: what its recovery is told as."""
    m = monitors.c
    query = (
        select(m.kind).where(m.component_id == component_id, m.enabled, m.public).order_by(m.kind)
    )
    return list((await conn.execute(query)).scalars())
