"""Each component's publication policy and its pending deadline (hiccup.core.publication).

The deadline is stored, not scanned for (healthchecks' `alert_after`): a partial index holds
only the components whose incident is waiting to go public.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update

from hiccup.core.publication import IncidentMode, PublishPolicy, resolve_policy
from hiccup.core.status import MonitorState
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc_or_none
from hiccup.store.results import latest_error
from hiccup.store.tables import components, monitor_states, monitors, pages


@dataclass(frozen=True, slots=True)
class Publication:
    policy: PublishPolicy
    trouble_since: datetime | None  # when the component's trouble began (None: no trouble)
    publish_due_at: datetime | None  # when its incident goes public, if still waiting


_c, _p = components.c, pages.c
# Built once, these: the status service runs them for every transition it applies.
_POLICY = (
    select(
        _c.id,
        _c.incidents,
        _c.publish_after_s,
        _c.trouble_since,
        _c.publish_due_at,
        _p.incidents,
        _p.publish_after_s,
    )
    .join(pages, _p.id == _c.page_id)
    .where(_c.id.in_(bindparam("b_ids", expanding=True)))
)
_REMEMBER = (
    update(components)
    .where(_c.id == bindparam("b_component"))
    .values(trouble_since=bindparam("b_since"), publish_due_at=bindparam("b_due"))
)


async def publication_of(conn: AsyncConnection, component_id: str) -> Publication:
    """The component's policy (its own settings, else its page's), when its trouble began and
    when its incident is due."""
    return (await publications_of(conn, [component_id]))[component_id]


async def publications_of(
    conn: AsyncConnection, component_ids: Collection[str]
) -> dict[str, Publication]:
    """publication_of several components at once (those that exist)."""
    found = {}
    for row in await conn.execute(_POLICY, {"b_ids": sorted(set(component_ids))}):
        component_id, own_mode, own_after, since, due, page_mode, page_after = row
        page = PublishPolicy(IncidentMode(page_mode), timedelta(seconds=page_after))
        policy = resolve_policy(
            page,
            IncidentMode(own_mode) if own_mode else None,
            None if own_after is None else timedelta(seconds=own_after),
        )
        found[str(component_id)] = Publication(policy, utc_or_none(since), utc_or_none(due))
    return found


async def remember(
    conn: AsyncConnection,
    component_id: str,
    trouble_since: datetime | None,
    publish_due_at: datetime | None,
) -> None:
    values = {"b_component": component_id, "b_since": trouble_since, "b_due": publish_due_at}
    await conn.execute(_REMEMBER, values)


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
