"""Slim raw results (store.results, #18 item 3): what they keep, their size on disk, the fold
over their time windows with the late queue, and migration 0019 from the old rows."""

from __future__ import annotations

import pathlib
import sqlite3
from datetime import datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
)

from hiccup.core.rollup import Sample, fold_hourly
from hiccup.core.status import Verdict
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import alembic_config, newest_revisions
from hiccup.store.recording import record_batch
from hiccup.store.results import (
    RecordedResult,
    StoredResult,
    read_fold_mark,
    stored_results,
    to_ms,
    write_results,
)
from hiccup.store.rollups import fold_batch
from hiccup.store.tables import UtcDateTime, monitors
from hiccup.store.tables_history import history_marks
from hiccup.store.tables_results import monitor_keys, result_details, results_late
from tests.support.history_helpers import assert_same, samples, store, stored_rollups
from tests.support.store_helpers import START, pipeline

SETTLE = timedelta(seconds=30)
T0 = START + timedelta(microseconds=123_456)


async def _late_keys(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        return [at for (at,) in await conn.execute(select(results_late.c.at))]


async def test_a_result_written_behind_the_fold_is_folded_once(engine: AsyncEngine) -> None:
    flow = await pipeline(engine)
    ids = sorted(flow.specs)
    first = samples(ids, START, 10)
    await store(engine, first)
    now = START + timedelta(minutes=10) + SETTLE
    async with engine.begin() as conn:
        assert await fold_batch(conn, now, 10_000, SETTLE) == len(first)
    # Held while the database was away: written behind the mark, so queued for the fold.
    behind: list[Sample] = [
        (ids[0], START + timedelta(minutes=5, seconds=7), Verdict.FAILED, None, True)
    ]
    # A probe's result uploaded 25 s after it started, ahead of the mark: folded from the raw
    # table by the next window, and only taken out of the queue.
    ahead: list[Sample] = [
        (ids[1], START + timedelta(minutes=10, seconds=10), Verdict.OK, 42.0, True)
    ]
    await store(engine, behind, now)
    await store(engine, ahead, START + timedelta(minutes=10, seconds=35))
    assert len(await _late_keys(engine)) == 2
    later = now + timedelta(minutes=5)
    async with engine.begin() as conn:
        assert await fold_batch(conn, later, 10_000, SETTLE) == 2
    async with engine.begin() as conn:
        assert await fold_batch(conn, later, 10_000, SETTLE) == 0
    assert await _late_keys(engine) == []
    assert_same(await stored_rollups(engine), fold_hourly(first + behind + ahead))


async def test_what_a_raw_result_keeps(engine: AsyncEngine) -> None:
    flow = await pipeline(engine)
    monitor_id = sorted(flow.specs)[0]
    phases = {"dns": 1.5, "connect": 3.25}
    ok = RecordedResult(monitor_id, T0, Verdict.OK, 12.6, 200, None, phases)
    twin = RecordedResult(monitor_id, T0, Verdict.FAILED, None, None, "refused", phases)
    remote = RecordedResult(monitor_id, T0, Verdict.OK, 7.4, 204, None, None, probe="eu-1")
    async with engine.begin() as conn:
        await write_results(conn, [ok, twin, remote], T0)
        # A probe's retried upload is stored once.
        assert await write_results(conn, [remote], T0, fresh=True) == []
        stored = await stored_results(conn, monitor_id)
    at = START + timedelta(milliseconds=123)
    # Phases in whole milliseconds, an ok result's too (#14); "total" is the latency.
    kept = {"dns": 2.0, "connect": 3.0}
    timed = {**kept, "total": 13.0}
    assert stored == [
        StoredResult(monitor_id, at, "local", Verdict.OK, 13.0, 200, None, timed, True),
        StoredResult(monitor_id, at, "eu-1", Verdict.OK, 7.0, 204, None, {}, True),
        # Two results of one monitor in one millisecond are kept a millisecond apart.
        StoredResult(
            monitor_id,
            at + timedelta(milliseconds=1),
            "local",
            Verdict.FAILED,
            None,
            None,
            "refused",
            kept,
            True,
        ),
    ]


async def test_a_check_costs_at_most_40_bytes_on_disk(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the size target is SQLite's, the database of a single server")
    path = pathlib.Path(str(engine.url.database))
    rows = [
        {"id": f"m{n:011d}", "key": f"m{n}", "name": f"m{n}", "kind": "http"}
        | {"target": "http://127.0.0.1/", "interval_s": 20.0, "timeout_s": 5.0}
        | {"created_at": START, "updated_at": START}
        for n in range(200)
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(monitors), rows)
    before = _checkpointed_size(path)
    checks, step = 40_000, timedelta(seconds=20) / len(rows)
    batch: list[RecordedResult] = []
    for n in range(checks):
        at = START + n * step
        failed = n % 97 == 0
        verdict = Verdict.FAILED if failed else Verdict.OK
        latency = None if failed else float(5 + n * 7 % 290)
        error = "connection refused" if failed else None
        phases = {"dns": 0.5, "connect": 2.0, "first_byte": 9.0, "total": 11.0}
        batch.append(
            RecordedResult(str(rows[n % len(rows)]["id"]), at, verdict, latency, 200, error, phases)
        )
        if len(batch) == 50:
            async with engine.begin() as conn:
                await record_batch(conn, batch, [], at)
            batch = []
    per_check = (_checkpointed_size(path) - before) / checks
    assert per_check <= 40, f"{per_check:.1f} bytes per check"


def _checkpointed_size(path: pathlib.Path) -> int:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


# Migration 0019 from the rows of 0001/0004/0009.
old = MetaData()
old_results = Table(
    "results",
    old,
    Column("id", Integer, primary_key=True),
    Column("monitor_id", String(12)),
    Column("at", UtcDateTime),
    Column("verdict", String(16)),
    Column("latency_ms", Float),
    Column("status_code", Integer),
    Column("error", String(500)),
    Column("phases", JSON),
    Column("probe", String(64)),
    Column("reliable", Boolean),
)


@pytest.fixture
async def before_0019(bare_engine: AsyncEngine) -> AsyncEngine:
    """A database at every revision but 0019."""
    async with bare_engine.begin() as conn:
        # 0025 and 0026 (certificates) and the phase columns come after 0019, so they wait too.
        later = {"0019", "0025", "0026", "0026_result_phases"}
        await conn.run_sync(_upgrade, sorted((newest_revisions() - later) | {"0004", "0009"}))
    return bare_engine


def _upgrade(connection: Connection, revisions: list[str]) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    for revision in revisions:
        command.upgrade(config, revision)


def _old_row(
    n: int, monitor_id: str, at: datetime, verdict: str, **rest: object
) -> dict[str, object]:
    row = {"id": n, "monitor_id": monitor_id, "at": at, "verdict": verdict, "probe": "local"}
    empty = {"latency_ms": None, "status_code": None, "error": None, "phases": None}
    return row | {"reliable": True} | empty | rest


async def test_migration_0019_converts_the_rows_and_the_fold_mark(before_0019: AsyncEngine) -> None:
    engine = before_0019
    a, b = "m00000000001", "m00000000002"
    phases = {"connect": 3.0}
    async with engine.begin() as conn:
        await conn.execute(
            insert(monitors),
            [
                {"id": m, "key": m, "name": m, "kind": "http", "target": "http://127.0.0.1/"}
                | {"interval_s": 60.0, "timeout_s": 5.0, "created_at": START, "updated_at": START}
                for m in (a, b)
            ],
        )
        minute = timedelta(minutes=1)
        await conn.execute(
            insert(old_results),
            [
                _old_row(1, a, T0, "ok", latency_ms=12.4, status_code=200, phases=phases),
                _old_row(2, a, T0 + minute, "failed", error="refused", phases=phases),
                _old_row(3, a, T0 + 2 * minute, "ok", latency_ms=30.6, probe="eu-1"),
                # Unfolded, but older than the newest folded one: the fold takes it from the queue.
                _old_row(4, b, T0 + minute / 2, "degraded", latency_ms=900.0, reliable=False),
                _old_row(5, b, T0 + 3 * minute, "ok", latency_ms=8.0),  # unfolded, ahead
            ],
        )
        marks = {"name": "rollups.results", "value": 3, "updated_at": START}
        await conn.execute(insert(history_marks).values(marks))
        await conn.run_sync(_upgrade, ["heads"])
    at = START + timedelta(milliseconds=123)
    async with engine.begin() as conn:
        stored = await stored_results(conn)
        assert await read_fold_mark(conn) == to_ms(at + 2 * minute)
        assert [m for (m,) in await conn.execute(select(results_late.c.at))] == [
            to_ms(at + minute / 2)
        ]
        assert await fold_batch(conn, START + timedelta(hours=1), 100, SETTLE) == 2
        total = select(func.count()).select_from(results_late)
        assert (await conn.execute(total)).scalar_one() == 0
    assert stored == [
        StoredResult(a, at, "local", Verdict.OK, 12.0, 200, None, {}, True),
        StoredResult(b, at + minute / 2, "local", Verdict.DEGRADED, 900.0, None, None, {}, False),
        StoredResult(a, at + minute, "local", Verdict.FAILED, None, None, "refused", phases, True),
        StoredResult(a, at + 2 * minute, "eu-1", Verdict.OK, 31.0, None, None, {}, True),
        StoredResult(b, at + 3 * minute, "local", Verdict.OK, 8.0, None, None, {}, True),
    ]
    rollups = await stored_rollups(engine)
    assert sum(r.ok + r.degraded + r.failed + r.unreliable for r in rollups.values()) == 2


async def test_a_deleted_monitor_takes_its_results_along(engine: AsyncEngine) -> None:
    flow = await pipeline(engine)
    gone, kept = sorted(flow.specs)[:2]
    batch = [
        RecordedResult(m, T0, Verdict.FAILED, None, None, "refused", {"connect": 1.0})
        for m in (gone, kept)
    ]
    async with engine.begin() as conn:
        await write_results(conn, batch, T0 + timedelta(minutes=5))  # late: queued too
        await conn.execute(delete(monitors).where(monitors.c.id == gone))
    async with engine.connect() as conn:
        assert [r.monitor_id for r in await stored_results(conn)] == [kept]
        for table in (monitor_keys, result_details, results_late):
            count = select(func.count()).select_from(table)
            assert (await conn.execute(count)).scalar_one() == 1, table.name
