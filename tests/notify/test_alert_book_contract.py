"""The alert the spool decides in memory is the alert the outbox path writes for the same
transition: same message key, same content, same channels. Were they to drift apart, an
alert sent from the spool would be sent again by the outbox under another key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from hiccup.core.detection import Track, Transition
from hiccup.core.status import MonitorState
from hiccup.notify.alert_book import AlertBook
from hiccup.notify.alerts import on_transition
from hiccup.store.alert_book import load_alert_rows
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.recording import TrackChange
from hiccup.store.tables import monitors
from hiccup.store.tables_notify import notify_channels, notify_messages
from tests.support.notify_helpers import START, running_notifications

CONFIG = """\
page: {name: Flexo Hosting, url: "https://status.flexo.example"}
components: [{name: flexo}]
monitors:
  - {name: flexo, kind: tcp, target: "127.0.0.1:1", component: flexo}
notifications:
  channels:
    - {key: ops, kind: webhook, url: "http://127.0.0.1:9/ops"}
    - {key: chat, kind: webhook, url: "http://127.0.0.1:9/chat"}
    - {key: quiet, kind: webhook, url: "http://127.0.0.1:9/quiet"}
  alerts:
    - {channels: [ops], on: [down, recovery]}
    - {channels: [chat, ops], on: [down]}
"""


def change(monitor_id: str, previous: MonitorState, current: MonitorState, at: Any) -> TrackChange:
    moved = Transition(previous, current, at, at + timedelta(seconds=2))
    return TrackChange(monitor_id, Track(current), at + timedelta(seconds=2), moved)


async def outbox_side(engine: AsyncEngine, moved: TrackChange) -> dict[str, Any]:
    assert moved.transition is not None
    payload = {
        "monitor_id": moved.monitor_id,
        "previous": moved.transition.previous.value,
        "current": moved.transition.current.value,
        "started_at": moved.transition.started_at.isoformat(),
        "confirmed_at": moved.transition.confirmed_at.isoformat(),
    }
    async with engine.begin() as conn:
        await on_transition(conn, payload, moved.transition.confirmed_at)
        query = select(notify_messages.c.key, notify_messages.c.content).order_by(
            notify_messages.c.id.desc()
        )
        key, content = (await conn.execute(query.limit(1))).one()
    return {"key": key, "content": content}


async def test_the_book_decides_what_the_outbox_path_writes(engine: AsyncEngine) -> None:
    notifications, _ = await running_notifications(engine, CONFIG)
    await notifications.close()
    async with engine.connect() as conn:
        monitor_id = (await conn.execute(select(monitors.c.id))).scalar_one()
        channel_ids = dict(
            (await conn.execute(select(notify_channels.c.key, notify_channels.c.id))).all()
        )
        book = AlertBook.from_rows(await load_alert_rows(conn))

    down = change(monitor_id, MonitorState.UP, MonitorState.DOWN, START)
    decided = book.decide(down, {monitor_id: down.track}, None, START + timedelta(seconds=2))
    assert decided is not None
    assert [c["id"] for c in decided.channels] == [channel_ids["chat"], channel_ids["ops"]]
    assert await outbox_side(engine, down) == {"key": decided.key, "content": decided.content}

    up_at = START + timedelta(minutes=4)
    up = change(monitor_id, MonitorState.DOWN, MonitorState.UP, up_at)
    recovered = book.decide(up, {monitor_id: up.track}, None, up_at + timedelta(seconds=2))
    assert recovered is not None
    assert [c["key"] for c in recovered.channels] == ["ops"]
    assert recovered.content["summary"] == "flexo is up again after 4 minutes"
    assert await outbox_side(engine, up) == {"key": recovered.key, "content": recovered.content}
