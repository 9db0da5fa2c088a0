"""`hiccup report --month`: monthly SLA per component from outages and rollups, table or JSON.

Runs the real command in a subprocess against a database filled here (SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from hiccup.core.clock import ManualClock
from hiccup.core.status import Verdict
from hiccup.engine.rollups import HistoryWorker
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.tables import components, monitors, outages
from hiccup.store.tables_maintenance import maintenance_window_components, maintenance_windows
from tests.support.history_helpers import store
from tests.support.store_helpers import pipeline

OCTOBER_MINUTES = 31 * 24 * 60


def oct_(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


async def _fill(engine: AsyncEngine) -> None:
    flow = await pipeline(engine)
    amy, flexo, leela = (flow.spec(n).id for n in ("amy", "flexo", "leela"))
    amy_component = flow.spec("amy").component_id
    async with engine.begin() as conn:
        await conn.execute(update(monitors).values(created_at=datetime(2026, 9, 15, tzinfo=UTC)))
        spans = [
            (amy, "down", oct_(10, 10), oct_(10, 10, 30)),
            (amy, "down", oct_(20, 0), oct_(20, 0, 6)),
            (flexo, "down", oct_(10, 10, 20), oct_(10, 10, 40)),
            (leela, "degraded", oct_(5, 0), oct_(5, 5)),  # slow is not down
            (flexo, "down", oct_(31, 23, 50), datetime(2026, 11, 1, 1, tzinfo=UTC)),
        ]
        await conn.execute(
            insert(outages),
            [{"monitor_id": m, "state": s, "started_at": a, "ended_at": b} for m, s, a, b in spans],
        )
        await _maintenance(conn, amy_component or "")
    # Latencies 1..100 ms for amy on 1 October, rolled up by the history worker.
    await store(
        engine,
        [(amy, oct_(1, 0) + timedelta(minutes=n), Verdict.OK, n + 1.0, True) for n in range(100)],
    )
    await HistoryWorker(engine, ManualClock(datetime(2026, 11, 2, tzinfo=UTC))).run_pass()


async def _maintenance(conn: AsyncConnection, component_id: str) -> None:
    """A completed one-hour window on amy, 20 October 00:00-01:00."""
    query = select(components.c.page_id).where(components.c.id == component_id)
    page_id = (await conn.execute(query)).scalar_one()
    now = datetime(2026, 10, 1, tzinfo=UTC)
    await conn.execute(
        insert(maintenance_windows).values(
            id="window1",
            page_id=page_id,
            name="amy kernel update",
            status="completed",
            scheduled_for=oct_(20, 0),
            scheduled_until=oct_(20, 1),
            created_at=now,
            updated_at=now,
        )
    )
    await conn.execute(
        insert(maintenance_window_components).values(window_id="window1", component_id=component_id)
    )


async def _hiccup(engine: AsyncEngine, cwd: Path, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "HICCUP_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "COLUMNS": "200",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hiccup",
        "report",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def _by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in rows}


async def test_it_prints_the_monthly_sla_as_json(engine: AsyncEngine, tmp_path: Path) -> None:
    await _fill(engine)
    code, out, err = await _hiccup(engine, tmp_path, "--month", "2026-10", "--json", "--monitors")
    assert code == 0, err
    document = json.loads(out)
    assert (document["month"], document["from"]) == ("2026-10", "2026-10-01T00:00:00+00:00")
    parts = _by_name(document["components"])
    # amy: 30 + 6 minutes down in two outages.
    assert parts["amy"]["downtime_seconds"] == 36 * 60
    assert parts["amy"]["outages"] == 2
    assert parts["amy"]["group"] == "Web servers"
    assert parts["amy"]["uptime_percent"] == pytest.approx(
        100 * (1 - 36 / OCTOBER_MINUTES), abs=1e-4
    )
    # The group is down while any member is: 10:00-10:40 once, 00:00-00:06, and the last 10 min.
    assert parts["Web servers"]["downtime_seconds"] == (40 + 6 + 10) * 60
    assert parts["Web servers"]["outages"] == 3
    assert parts["leela"]["downtime_seconds"] == 0
    assert parts["leela"]["uptime_percent"] == 100.0
    latency = parts["amy"]["latency_ms"]
    assert parts["amy"]["checks"] == 100
    assert latency["p50"] == pytest.approx(50, rel=0.13)
    assert latency["p99"] == pytest.approx(99, rel=0.13)
    assert parts["flexo"]["latency_ms"] == {"p50": None, "p95": None, "p99": None}
    assert _by_name(document["monitors"])["amy http"]["downtime_seconds"] == 36 * 60


async def test_it_can_leave_maintenance_windows_out(engine: AsyncEngine, tmp_path: Path) -> None:
    await _fill(engine)
    args = ("--month", "2026-10", "--json", "--exclude-maintenance")
    code, out, err = await _hiccup(engine, tmp_path, *args)
    assert code == 0, err
    amy = _by_name(json.loads(out)["components"])["amy"]
    assert (amy["downtime_seconds"], amy["outages"]) == (30 * 60, 1)
    assert amy["monitored_seconds"] == (OCTOBER_MINUTES - 60) * 60


async def test_it_prints_a_table_by_default(engine: AsyncEngine, tmp_path: Path) -> None:
    await _fill(engine)
    code, out, err = await _hiccup(engine, tmp_path, "--month", "2026-10")
    assert code == 0, err
    assert "SLA 2026-10" in out
    amy_line = next(line for line in out.splitlines() if " amy " in line)
    assert "99.919%" in amy_line
    assert "36m" in amy_line


async def test_it_refuses_a_malformed_month(engine: AsyncEngine, tmp_path: Path) -> None:
    code, _out, err = await _hiccup(engine, tmp_path, "--month", "10/2026")
    assert code == 2
    assert "YYYY-MM" in err
