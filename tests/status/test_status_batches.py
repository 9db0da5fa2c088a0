"""The status service applies waiting transitions in batches, one transaction each: the
outcome is the same as applying them one at a time (incidents, their updates, component
statuses and deadlines, subscriber notices, operator alerts), and an event that cannot be
applied holds back only itself and the events after it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text, update

from hiccup.core.clock import ManualClock
from hiccup.core.detection import Track, Transition
from hiccup.core.incidents import IncidentStatus
from hiccup.core.status import ComponentStatus, MonitorState
from hiccup.notify.sync import sync_notifications
from hiccup.status.service import StatusService
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import create_engine
from hiccup.store.leases import serialize_status_changes
from hiccup.store.recording import TRANSITION_EVENT, TrackChange, record_batch
from hiccup.store.sync import sync_config
from hiccup.store.tables import (
    components,
    events,
    incident_updates,
    incidents,
    monitor_states,
    monitors,
    pages,
)
from hiccup.store.tables_notify import alert_states, notify_messages
from tests.support.cluster_helpers import fresh_engine, sync
from tests.support.migrated import MigratedTemplates, drop_postgres_database
from tests.support.store_helpers import START, config

UP, DOWN = MonitorState.UP, MonitorState.DOWN

CONFIG = """\
page: {name: Flexo Hosting, time_zone: UTC, publish_after: 0s}
components:
  - {name: flexo}
  - {name: bender, publish_after: 10m}
monitors:
  - {name: flexo http, key: http, kind: http, target: "http://127.0.0.1:9/", component: flexo}
  - {name: flexo ssh, kind: tcp, target: "127.0.0.1:9", component: flexo, depends_on: http}
  - {name: bender http, kind: http, target: "http://127.0.0.1:9/b", component: bender}
notifications:
  channels: [{key: ops, kind: webhook, url: "http://127.0.0.1:9/hook"}]
  alerts: [{channels: [ops], on: [down, recovery]}]
"""

# A start after an outage of the database: every monitor's first result, then flexo's two
# monitors down and up again (an outage already over when it is applied), and bender down.
BACKLOG = [
    ("flexo http", MonitorState.UNKNOWN, UP, 0),
    ("flexo ssh", MonitorState.UNKNOWN, UP, 0),
    ("bender http", MonitorState.UNKNOWN, UP, 0),
    ("flexo http", UP, DOWN, 1),
    ("flexo ssh", UP, DOWN, 2),
    ("bender http", UP, DOWN, 2),
    ("flexo http", DOWN, UP, 4),
    ("flexo ssh", DOWN, UP, 5),
]


@pytest.fixture
async def second_engine(
    engine_kind: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    migrated_templates: MigratedTemplates,
) -> AsyncIterator[AsyncEngine]:
    """Another migrated database on the same engine as `engine`."""
    if engine_kind == "sqlite":
        path = tmp_path / "second.db"
        await migrated_templates.sqlite_copy(path)
        url = f"sqlite:///{path}"
    else:
        url = await migrated_templates.postgres_copy(request.getfixturevalue("postgres_url"))
    created = create_engine(url)
    yield created
    await created.dispose()
    if engine_kind == "postgresql":
        await drop_postgres_database(url)


async def ids_by_name(engine: AsyncEngine) -> dict[str, str]:
    async with engine.connect() as conn:
        return {n: i for i, n in await conn.execute(select(monitors.c.id, monitors.c.name))}


async def record(
    engine: AsyncEngine, backlog: Sequence[tuple[str, MonitorState, MonitorState, int]]
) -> None:
    """Write the transitions as the recorder would, in this order, with no one applying them."""
    ids = await ids_by_name(engine)
    changes = []
    for name, previous, current, minute in backlog:
        at = START + timedelta(minutes=minute)
        moved = Transition(previous, current, at, at + timedelta(seconds=30))
        changes.append(TrackChange(ids[name], Track(state=current), at, moved))
    async with engine.begin() as conn:
        await record_batch(conn, [], changes, START)


async def synced(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await sync_config(conn, config(CONFIG), START)
        await sync_notifications(conn, config(CONFIG), START)


async def backlog_applied(engine: AsyncEngine, batch_size: int) -> ManualClock:
    await synced(engine)
    await record(engine, BACKLOG)
    clock = ManualClock(START + timedelta(minutes=6))
    service = StatusService(engine, clock, lambda: None, batch_size=batch_size)
    assert await service.process_pending() > 0
    assert await service.process_pending() == 0, "every event applied in the first pass"
    return clock


async def outcome(engine: AsyncEngine) -> dict[str, list[str]]:
    """Every row the status service writes, with ids replaced by names, as sorted JSON lines:
    two databases synced from one config differ only in their random ids."""
    tables = {
        "components": components,
        "incidents": incidents,
        "updates": incident_updates,
        "states": monitor_states,
        "events": events,
    }
    tables |= {"messages": notify_messages, "alert_states": alert_states}
    async with engine.connect() as conn:
        rows = {
            name: [dict(r) for r in (await conn.execute(select(table))).mappings()]
            for name, table in tables.items()
        }
        names = {i: f"<{n}>" for i, n in await conn.execute(select(pages.c.id, pages.c.name))}
    names |= {r["id"]: f"<{r['name']}>" for r in rows["components"]}
    names |= {i: f"<{n}>" for n, i in (await ids_by_name(engine)).items()}
    names |= {r["id"]: f"<incident {r['name']} {r['started_at']}>" for r in rows["incidents"]}
    for r in rows["updates"]:
        names[r["id"]] = f"<update {names[r['incident_id']]} {r['status']} {r['body']}>"
    for table in ("messages", "events"):
        for r in rows[table]:
            r.pop("id")  # a sequence: the same in both, unless a message was written twice
    for r in rows["alert_states"]:
        r.pop("rule_id")  # one rule
    pattern = re.compile("|".join(re.escape(i) for i in sorted(names, key=len, reverse=True)))
    return {
        table: sorted(
            pattern.sub(lambda m: names[m[0]], json.dumps(r, default=str)).replace(".000001", "")
            for r in found
        )
        for table, found in rows.items()
    }


async def test_a_batch_comes_out_as_one_transition_at_a_time(
    engine: AsyncEngine, second_engine: AsyncEngine
) -> None:
    await backlog_applied(engine, batch_size=100)
    await backlog_applied(second_engine, batch_size=1)

    batched = await outcome(engine)
    assert batched == await outcome(second_engine)
    # And that outcome is the one wanted, not an empty one on both sides.
    async with engine.connect() as conn:
        found = (await conn.execute(select(incidents).order_by(incidents.c.name))).mappings()
        flexo = {r["name"]: r for r in found}
        statuses = dict((await conn.execute(select(components.c.name, components.c.status))).all())
    assert statuses == {"flexo": "operational", "bender": ComponentStatus.MAJOR_OUTAGE.value}
    [incident] = flexo.values()  # bender's waits for its publish_after
    assert incident["status"] == IncidentStatus.RESOLVED
    # Over before it was applied: subscribers hear of it once, from its resolution.
    messages = [json.loads(m) for m in batched["messages"]]
    told = [m["kind"] for m in messages if m["kind"].startswith("incident_")]
    assert told == ["incident_resolved"]
    alerts = [m["content"] for m in messages if m["kind"] == "alert"]
    assert sorted((a["event"], a["monitor"]["name"]) for a in alerts) == [
        ("down", "bender http"),
        ("down", "flexo http"),
        ("down", "flexo ssh"),  # its parent's newest state is up: not folded
        ("recovery", "flexo http"),
        ("recovery", "flexo ssh"),
    ]


def many_monitors() -> tuple[str, list[tuple[str, MonitorState, MonitorState, int]]]:
    """Twelve monitors over three components, and a backlog of 36 transitions among them."""
    lines = [
        "page: {name: Flexo Hosting, time_zone: UTC, publish_after: 0s}",
        "components: [{name: c0}, {name: c1}, {name: c2}]",
        "monitors:",
    ]
    lines += [
        f'  - {{name: m{i}, kind: http, target: "http://127.0.0.1:9/{i}", component: c{i % 3}}}'
        for i in range(12)
    ]
    lines += [
        "notifications:",
        '  channels: [{key: ops, kind: webhook, url: "http://127.0.0.1:9/hook"}]',
        "  alerts: [{channels: [ops], on: [down, recovery]}]",
    ]
    backlog = [(f"m{i}", MonitorState.UNKNOWN, UP, 0) for i in range(12)]
    backlog += [(f"m{i}", UP, DOWN, 1 + i % 3) for i in range(12)]
    backlog += [(f"m{i}", DOWN, UP, 5 + i % 4) for i in range(0, 12, 2)]
    backlog += [(f"m{i}", UP, DOWN, 9 + i % 4) for i in range(0, 12, 2)]
    return "\n".join(lines) + "\n", backlog


# The second server's clock: a microsecond after the first's, so each event's processed_at
# tells which server applied it (and `outcome` reads both as one moment).
TICK = timedelta(microseconds=1)


async def lock_waiters(engine: AsyncEngine) -> int:
    query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    async with engine.connect() as conn:
        found: int = (await conn.execute(query)).scalar_one()
    return found


async def queued(engine: AsyncEngine, waiters: int) -> None:
    """Until `waiters` transactions wait for the status lock (a real server's turn to come)."""
    for _ in range(1000):
        if await lock_waiters(engine) >= waiters:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{waiters} servers never queued for the status lock")


async def drained_together(engine: AsyncEngine, servers: Sequence[tuple[AsyncEngine, int]]) -> None:
    """Apply the recorded backlog with a server on each pool (all on `engine`'s database),
    each with its batch size. The status lock is held until every server waits for it, each
    queued after the one before: PostgreSQL then grants it in that order, so the servers take
    turns and each finds part of its next batch claimed by the others."""
    start = START + timedelta(minutes=15)
    services = [
        StatusService(pool, ManualClock(start + n * TICK), lambda: None, batch_size=size)
        for n, (pool, size) in enumerate(servers)
    ]
    async with engine.begin() as holder:
        await serialize_status_changes(holder)
        passes = []
        for service in services:
            passes.append(asyncio.create_task(service.process_pending()))
            await queued(engine, len(passes))
        await holder.rollback()
    await asyncio.gather(*passes)


@pytest.mark.postgres
async def test_two_servers_draining_one_backlog_apply_each_event_once(postgres_url: str) -> None:
    text, backlog = many_monitors()
    async with fresh_engine(postgres_url) as shared, fresh_engine(postgres_url) as alone:
        for engine in (shared, alone):
            await sync(engine, text, START)
            async with engine.begin() as conn:
                await sync_notifications(conn, config(text), START)
            await record(engine, backlog)
        second = create_engine(shared.url.render_as_string(hide_password=False))
        try:
            await drained_together(shared, [(shared, 3), (second, 5)])
        finally:
            await second.dispose()
        await drained_together(alone, [(alone, 1)])

        together = await outcome(shared)
        assert together == await outcome(alone)
        async with shared.connect() as conn:
            query = select(events.c.processed_at, func.count()).group_by(events.c.processed_at)
            by_server: dict[datetime, int] = {t: int(n) for t, n in await conn.execute(query)}
    start = START + timedelta(minutes=15)
    # Taking turns: 1-3 for the first, 4-5 (of 1-5) for the second, 6 (of 4-6), 7-10, ...
    assert set(by_server) == {start, start + TICK}, "both servers applied some events"
    assert sum(by_server.values()) == len(backlog)
    assert all('"processed_at": null' not in e for e in together["events"])
    messages = [json.loads(m) for m in together["messages"]]
    assert sum(m["kind"] == "alert" for m in messages) == 12 + 6 + 6, "one per down, recovery"
    assert sum(m["kind"] == "incident_opened" for m in messages) == 3


async def test_an_event_that_fails_holds_back_only_itself_and_those_after_it(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """A batch that fails commits nothing; it is then applied one event at a time: the events
    before the failing one are applied and reach the page, the failing one is named in the
    log, and it and the events after it wait (in order, as before batches) until it can be
    applied: here once its payload is repaired."""
    await synced(engine)
    await record(engine, [("flexo http", UP, DOWN, 1)])
    ids = await ids_by_name(engine)
    bad = {
        "monitor_id": ids["flexo ssh"],
        "previous": "up",
        "current": "sideways",  # no such state
        "started_at": (START + timedelta(minutes=1)).isoformat(),
        "confirmed_at": (START + timedelta(minutes=2)).isoformat(),
    }
    async with engine.begin() as conn:
        created = {"kind": TRANSITION_EVENT, "created_at": START}
        inserted = insert(events).values(payload=bad, **created).returning(events.c.id)
        stuck: int = (await conn.execute(inserted)).scalar_one()
    await record(engine, [("bender http", UP, DOWN, 2)])
    changes: list[int] = []
    clock = ManualClock(START + timedelta(minutes=3))
    service = StatusService(engine, clock, lambda: changes.append(1), batch_size=100)

    with caplog.at_level(logging.ERROR), pytest.raises(ValueError, match="sideways"):
        await service.process_pending()
    assert f"transition event {stuck}: ValueError" in caplog.text
    assert await statuses(engine) == {"flexo": "major_outage", "bender": "operational"}
    assert changes == [1], "the page shows what was applied before the failing event"
    assert await waiting(engine) == 2, "the failing event and bender's, after it"

    async with engine.begin() as conn:
        repaired = {**bad, "current": "down"}
        await conn.execute(update(events).where(events.c.id == stuck).values(payload=repaired))
    await service.process_pending()
    assert await statuses(engine) == {"flexo": "major_outage", "bender": "major_outage"}
    assert await waiting(engine) == 0


async def statuses(engine: AsyncEngine) -> dict[str, str]:
    async with engine.connect() as conn:
        return dict((await conn.execute(select(components.c.name, components.c.status))).all())


async def waiting(engine: AsyncEngine) -> int:
    query = select(func.count()).where(events.c.processed_at.is_(None))
    async with engine.connect() as conn:
        found: int = (await conn.execute(query)).scalar_one()
    return found


async def test_transitions_stored_during_a_pass_or_past_its_size_wait_for_no_poll(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's status service polls every 30 s when alone; what the recorder stores
    while a pass runs (it wakes the service) and what one pass leaves for the next are
    applied at once, not at the next poll."""
    monkeypatch.setattr("hiccup.status.service.PASS_SIZE", 2)
    await synced(engine)
    first, later = BACKLOG[:5], BACKLOG[5:]
    await record(engine, first)
    stored_later = asyncio.Event()

    async def store_later() -> None:  # as the recorder would, while the first pass runs
        await record(engine, later)
        service.wake.set()
        stored_later.set()

    def changed() -> None:
        if not stored_later.is_set() and not adding:
            adding.append(asyncio.create_task(store_later()))

    adding: list[asyncio.Task[None]] = []
    clock = ManualClock(START + timedelta(minutes=6))
    service = StatusService(engine, clock, changed, batch_size=1)
    running = asyncio.create_task(service.run(poll_seconds=3600))
    try:
        async with asyncio.timeout(20):
            # Polling is the point: what is measured is another task's writes.
            while await waiting(engine) or not stored_later.is_set():  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    assert await waiting(engine) == 0
