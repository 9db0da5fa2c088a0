"""Subscriber search on both engines: any case, `%` and `_` typed by the operator match only
themselves, the component filter takes whole-page subscribers and those who picked it, and
counts per component agree with it."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from hiccup.core.clock import SystemClock
from hiccup.store import subscriber_rows
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.sync import sync_config
from hiccup.store.tables import pages
from hiccup.store.tables_notify import subscriber_components, subscribers
from tests.support.admin_helpers import component_ids, example_config
from tests.support.notify_helpers import add_subscribers


async def _page(engine: AsyncEngine) -> str:
    async with engine.begin() as conn:
        await sync_config(conn, example_config(), SystemClock().now())
        return str((await conn.execute(select(pages.c.id))).scalar_one())


async def test_search_escapes_wildcards_and_filters_by_component(engine: AsyncEngine) -> None:
    page_id = await _page(engine)
    now = SystemClock().now()
    ids = await add_subscribers(
        engine, ["Ann_Lee@example.com", "annxlee@example.com", "100%@example.com"], now
    )
    flexo = (await component_ids(engine))["flexo"]
    async with engine.begin() as conn:
        await conn.execute(
            update(subscribers).where(subscribers.c.id == ids[1]).values(all_components=False)
        )
        await conn.execute(
            insert(subscriber_components).values(subscriber_id=ids[1], component_id=flexo)
        )
    async with engine.connect() as conn:

        async def found(text: str = "", component: str | None = None) -> list[str]:
            hits = await subscriber_rows.search(conn, page_id, text=text, component_id=component)
            return sorted(s.address for s in hits.subscribers)

        assert await found("ann_") == ["Ann_Lee@example.com"]
        assert await found("ANN") == ["Ann_Lee@example.com", "annxlee@example.com"]
        assert await found("%") == ["100%@example.com"]
        amy = (await component_ids(engine))["amy"]
        assert await found(component=amy) == ["100%@example.com", "Ann_Lee@example.com"]
        assert len(await found(component=flexo)) == 3
        by_status, per = await subscriber_rows.counts(conn, page_id)
        assert by_status["active"] == 3
        assert {c.key: c.active for c in per} == {"amy": 2, "flexo": 3, "leela": 2}
