"""Monitor tags: a small table so the dashboard filters by tag with an index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlalchemy import bindparam, delete, insert, select

from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.tables import monitors
from hiccup.store.tables_accounts import monitor_tags


async def tags_of(conn: AsyncConnection, monitor_ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    if not monitor_ids:
        return found
    query = (
        select(monitor_tags.c.monitor_id, monitor_tags.c.tag)
        .where(monitor_tags.c.monitor_id.in_(list(monitor_ids)))
        .order_by(monitor_tags.c.tag)
    )
    for monitor_id, tag in await conn.execute(query):
        found[monitor_id].append(tag)
    return found


async def set_tags(conn: AsyncConnection, monitor_id: str, tags: Sequence[str]) -> bool:
    """Make the monitor's tags exactly these; True if anything changed."""
    return bool(await _retag(conn, {monitor_id: tags}))


async def sync_declared_tags(
    conn: AsyncConnection, declared: Mapping[str, Sequence[str]]
) -> list[str]:
    """Tags of declared monitors from the config file ({monitor key: tags}); returns the keys
    of monitors whose tags changed."""
    query = select(monitors.c.id, monitors.c.key).where(monitors.c.key.in_(list(declared)))
    keys = {str(m): str(k) for m, k in (await conn.execute(query)).all()}
    changed = await _retag(conn, {monitor_id: declared[key] for monitor_id, key in keys.items()})
    return [keys[monitor_id] for monitor_id in changed]


async def _retag(conn: AsyncConnection, wanted: Mapping[str, Sequence[str]]) -> list[str]:
    """Give each monitor exactly its wanted tags; returns the ids whose tags changed. Three
    statements whatever the number of monitors: a config file with thousands of them would
    otherwise take seconds at every start."""
    current = await tags_of(conn, list(wanted))
    changed, gone, new = [], [], []
    for monitor_id, tags in wanted.items():
        have, want = set(current.get(monitor_id, [])), set(tags)
        if have != want:
            changed.append(monitor_id)
            gone += [{"gone_id": monitor_id, "gone_tag": t} for t in sorted(have - want)]
            new += [{"monitor_id": monitor_id, "tag": t} for t in sorted(want - have)]
    if gone:
        where = (monitor_tags.c.monitor_id == bindparam("gone_id")) & (
            monitor_tags.c.tag == bindparam("gone_tag")
        )
        await conn.execute(delete(monitor_tags).where(where), gone)
    if new:
        await conn.execute(insert(monitor_tags), new)
    return changed


async def all_tags(conn: AsyncConnection) -> list[str]:
    query = select(monitor_tags.c.tag).distinct().order_by(monitor_tags.c.tag)
    return list((await conn.execute(query)).scalars())
