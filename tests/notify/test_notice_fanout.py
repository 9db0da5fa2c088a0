"""enqueue_notice: one outbox row per matching confirmed subscriber, written in the caller's
transaction; maintenance notices go through the same call without touching notify internals."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select

from hiccup.core.ids import new_id
from hiccup.core.status import ComponentStatus
from hiccup.notify.notices import Notice, NoticeKind, component_update, enqueue_notice
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.sync import sync_config
from hiccup.store.tables import components, pages
from hiccup.store.tables_notify import notify_messages, outbox, subscriber_components, subscribers
from tests.support.notify_helpers import START, add_subscribers
from tests.support.store_helpers import config

CONFIG = """\
page: {name: Flexo Hosting}
components:
  - name: Web servers
    key: web
    components: [{name: amy}, {name: flexo}]
  - {name: E-mail, key: mail}
"""


async def setup(engine: AsyncEngine) -> tuple[str, dict[str, str]]:
    async with engine.begin() as conn:
        await sync_config(conn, config(CONFIG), START)
        page_id = (await conn.execute(select(pages.c.id))).scalar_one()
        ids = dict((await conn.execute(select(components.c.key, components.c.id))).all())
    return page_id, ids


async def subscribe_to(engine: AsyncEngine, address: str, component_ids: list[str]) -> None:
    [subscriber_id] = await add_subscribers(engine, [address], START)
    async with engine.begin() as conn:
        await conn.execute(
            subscribers.update()
            .where(subscribers.c.id == subscriber_id)
            .values(all_components=False)
        )
        rows = [{"subscriber_id": subscriber_id, "component_id": c} for c in component_ids]
        await conn.execute(insert(subscriber_components), rows)


async def recipients(engine: AsyncEngine, message_kind: str) -> set[str]:
    query = (
        select(subscribers.c.address)
        .join(outbox, outbox.c.subscriber_id == subscribers.c.id)
        .join(notify_messages, notify_messages.c.id == outbox.c.message_id)
        .where(notify_messages.c.kind == message_kind)
    )
    async with engine.connect() as conn:
        return set((await conn.execute(query)).scalars())


async def test_it_queues_one_row_per_subscriber_of_the_notices_components(
    engine: AsyncEngine,
) -> None:
    page_id, ids = await setup(engine)
    await add_subscribers(engine, ["all@example.com"], START)
    await subscribe_to(engine, "flexo@example.com", [ids["flexo"]])
    await subscribe_to(engine, "group@example.com", [ids["web"]])
    await subscribe_to(engine, "mail@example.com", [ids["mail"]])
    async with engine.begin() as conn:
        unconfirmed = new_id()
        await conn.execute(
            insert(subscribers).values(
                id=unconfirmed,
                page_id=page_id,
                site_page="default",
                kind="email",
                address="pending@example.com",
                all_components=True,
                declared=False,
                created_at=START,
                updated_at=START,
            )
        )
        notice = Notice(
            NoticeKind.INCIDENT_OPENED,
            page_id,
            "flexo is unavailable",
            "Looking.",
            component_ids=(ids["flexo"],),
            incident_id="i1",
            update_id="u1",
        )
        assert await enqueue_notice(conn, notice, START) == 3
        assert await enqueue_notice(conn, notice, START) == 0, "the same notice goes out once"
        silent = Notice(
            NoticeKind.INCIDENT_UPDATED,
            page_id,
            "flexo",
            "Quiet fix.",
            component_ids=(ids["flexo"],),
            incident_id="i1",
            update_id="u2",
            notify=False,
        )
        assert await enqueue_notice(conn, silent, START) == 0
    expected = {"all@example.com", "flexo@example.com", "group@example.com"}
    assert await recipients(engine, "incident_opened") == expected


async def test_a_maintenance_notice_reaches_subscribers_through_the_same_call(
    engine: AsyncEngine,
) -> None:
    page_id, ids = await setup(engine)
    await subscribe_to(engine, "mail@example.com", [ids["mail"]])
    await subscribe_to(engine, "amy@example.com", [ids["amy"]])
    kinds = [
        NoticeKind.MAINTENANCE_SCHEDULED,
        NoticeKind.MAINTENANCE_REMINDER,
        NoticeKind.MAINTENANCE_STARTED,
        NoticeKind.MAINTENANCE_COMPLETED,
    ]
    async with engine.begin() as conn:
        for kind in kinds:
            notice = Notice(
                kind,
                page_id,
                "Mail server upgrade",
                "About five minutes of downtime.",
                component_ids=(ids["mail"],),
                maintenance_id="m1",
                starts_at=START + timedelta(days=1),
                ends_at=START + timedelta(days=1, hours=1),
            )
            assert await enqueue_notice(conn, notice, START) == 1
    for kind in kinds:
        assert await recipients(engine, kind.value) == {"mail@example.com"}


async def test_component_updates_go_to_webhook_subscribers_only(engine: AsyncEngine) -> None:
    page_id, ids = await setup(engine)
    await add_subscribers(engine, ["person@example.com"], START)
    await add_subscribers(engine, ["https://hooks.example.com/x"], START, kind="webhook")
    change = component_update(
        page_id, ids["flexo"], "flexo", ComponentStatus.OPERATIONAL, ComponentStatus.MAJOR_OUTAGE
    )
    async with engine.begin() as conn:
        assert await enqueue_notice(conn, change, START) == 1
    assert await recipients(engine, "component_updated") == {"https://hooks.example.com/x"}


async def test_ten_thousand_subscribers_cost_one_statement(engine: AsyncEngine) -> None:
    page_id, _ = await setup(engine)
    await add_subscribers(engine, [f"s{i}@example.com" for i in range(10_000)], START)
    async with engine.begin() as conn:
        notice = Notice(
            NoticeKind.INCIDENT_OPENED,
            page_id,
            "Everything is down",
            "Sorry.",
            incident_id="big",
            update_id="u",
        )
        assert await enqueue_notice(conn, notice, START) == 10_000
        count = await conn.execute(select(func.count()).select_from(outbox))
        assert count.scalar_one() == 10_000
        keys = await conn.execute(select(func.count(func.distinct(outbox.c.idempotency_key))))
        assert keys.scalar_one() == 10_000
