"""Rows made in the admin that the config file now declares become declared.

This is what lets an operator start in the UI, run `hiccup config export`, and move to
config-as-code: the exported file names the same keys, and the sync takes those rows over
(and from then on keeps them matching the file) instead of tripping over their keys.
"""

from __future__ import annotations

from sqlalchemy import update

from hiccup.config.model import HiccupConfig
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.tables import components, monitors, pages
from hiccup.store.tables_maintenance import maintenances


async def adopt_declared(conn: AsyncConnection, page_id: str, config: HiccupConfig) -> None:
    """Mark undeclared rows whose keys the file declares; values are then synced as usual."""
    await conn.execute(update(pages).where(pages.c.id == page_id).values(declared=True))
    keys = [c.slug for c, _ in config.all_components()]
    await conn.execute(
        update(components)
        .where(components.c.page_id == page_id, components.c.key.in_(keys))
        .where(components.c.declared.is_(False))
        .values(declared=True)
    )
    monitor_keys = [m.slug for m in config.monitors]
    await conn.execute(
        update(monitors)
        .where(monitors.c.key.in_(monitor_keys), monitors.c.declared.is_(False))
        .values(declared=True)
    )
    windows = [w.slug for w in config.maintenance]
    await conn.execute(
        update(maintenances)
        .where(maintenances.c.page_id == page_id, maintenances.c.key.in_(windows))
        .where(maintenances.c.declared.is_(False))
        .values(declared=True)
    )
