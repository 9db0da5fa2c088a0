"""What operator alerts read for every transition, read once per status transaction.

The alert rules and the monitors' dependencies change only through the config sync or the
admin (which takes the status lock); a monitor's names and page likewise. A batch of
transitions reads them once; a monitor with no parent and no child skips both look-ups.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from hiccup.notify.alert_store import MonitorInfo, monitor_infos
from hiccup.store.alert_book import DEPENDENCIES, ENABLED_RULES
from hiccup.store.asyncio_engine import AsyncConnection


class AlertFacts:
    def __init__(self) -> None:
        self._infos: dict[str, MonitorInfo | None] = {}
        self._rules: Sequence[Any] | None = None
        self._with_children: set[str] | None = None  # monitors others depend on
        self._with_parent: set[str] | None = None  # monitors that depend on another

    async def preload(self, conn: AsyncConnection, monitor_ids: Collection[str]) -> None:
        wanted = set(monitor_ids) - self._infos.keys()
        found = await monitor_infos(conn, wanted) if wanted else {}
        self._infos.update({m: found.get(m) for m in wanted})

    async def info(self, conn: AsyncConnection, monitor_id: str) -> MonitorInfo | None:
        await self.preload(conn, [monitor_id])
        return self._infos[monitor_id]

    async def rules(self, conn: AsyncConnection) -> Sequence[Any]:
        """The enabled rules' rows, in key order."""
        if self._rules is None:
            self._rules = (await conn.execute(ENABLED_RULES)).mappings().all()
        return self._rules

    async def _dependencies(self, conn: AsyncConnection) -> tuple[set[str], set[str]]:
        if self._with_children is None or self._with_parent is None:
            rows = (await conn.execute(DEPENDENCIES)).all()
            self._with_parent = {str(child) for child, _ in rows}
            self._with_children = {str(parent) for _, parent in rows}
        return self._with_children, self._with_parent

    async def has_children(self, conn: AsyncConnection, monitor_id: str) -> bool:
        return monitor_id in (await self._dependencies(conn))[0]

    async def has_parent(self, conn: AsyncConnection, monitor_id: str) -> bool:
        return monitor_id in (await self._dependencies(conn))[1]
