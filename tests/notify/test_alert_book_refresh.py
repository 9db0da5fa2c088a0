"""The alert spool's copy of the book is read again only where the database changed: a server
with ten thousand monitors looks every half minute, and reading them all each time cost more
than the checks' own bookkeeping."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from hiccup.notify.alert_spool import AlertSpool
from hiccup.notify.alerts import on_transition
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import monitors
from hiccup.store.tables_notify import monitor_dependencies
from tests.support.notify_helpers import START, running_notifications

CONFIG = """\
page: {name: Flexo Hosting, url: "https://status.flexo.example"}
components: [{name: flexo}]
monitors:
  - {name: flexo, kind: tcp, target: "127.0.0.1:1", component: flexo}
  - {name: spare, kind: tcp, target: "127.0.0.1:2", component: flexo}
  - {name: mail, kind: tcp, target: "127.0.0.1:3", component: flexo, depends_on: flexo}
notifications:
  channels:
    - {key: ops, kind: webhook, url: "http://127.0.0.1:9/ops"}
  alerts:
    - {channels: [ops], on: [down, recovery]}
"""


async def opened_spool(engine: AsyncEngine, tmp_path: Path) -> tuple[AlertSpool, dict[str, str]]:
    notifications, _ = await running_notifications(engine, CONFIG, spool_dir=tmp_path)
    await notifications.close()
    assert notifications.spool is not None
    async with engine.connect() as conn:
        ids = dict((await conn.execute(select(monitors.c.key, monitors.c.id))).all())
    return notifications.spool, ids


async def test_an_unchanged_database_leaves_the_book_as_it_is(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    spool, _ = await opened_spool(engine, tmp_path)
    book = spool.book
    await spool.refresh()
    assert spool.book is book


async def test_a_renamed_monitor_is_read_again(engine: AsyncEngine, tmp_path: Path) -> None:
    spool, ids = await opened_spool(engine, tmp_path)
    book = spool.book
    async with engine.begin() as conn:
        renamed = {"name": "flexo (rack 2)", "updated_at": START + timedelta(minutes=1)}
        await conn.execute(update(monitors).where(monitors.c.id == ids["flexo"]).values(renamed))
    await spool.refresh()
    assert spool.book is not book
    assert spool.book.infos[ids["flexo"]].name == "flexo (rack 2)"


async def test_a_new_triggered_state_is_read_without_the_rest(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    spool, ids = await opened_spool(engine, tmp_path)
    book = spool.book
    assert book.states == {}
    down = {
        "monitor_id": ids["flexo"],
        "previous": "up",
        "current": "down",
        "started_at": START.isoformat(),
        "confirmed_at": (START + timedelta(seconds=2)).isoformat(),
    }
    async with engine.begin() as conn:
        await on_transition(conn, down, START + timedelta(seconds=2))
    await spool.refresh()
    assert spool.book is book  # monitors, rules and channels were not read again
    assert [monitor for monitor, _ in spool.book.states] == [ids["flexo"]]


async def test_a_dependency_moved_to_another_parent_is_read_again(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    spool, ids = await opened_spool(engine, tmp_path)
    assert spool.book.parents == {ids["mail"]: ids["flexo"]}
    async with engine.begin() as conn:
        moved = update(monitor_dependencies).values(parent_id=ids["spare"])
        await conn.execute(moved)  # the same count of rows, no time stamp to move
    await spool.refresh()
    assert spool.book.parents == {ids["mail"]: ids["spare"]}
