"""The console's reads: dashboard row figures, latency series by grain, uptimes, latency per
probe, and the certificate's end, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from hiccup.core.rollup import Rollup
from hiccup.core.status import Verdict
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.monitor_figures import (
    grain_for,
    last_certificate,
    latency_by_region,
    latency_series,
    row_figures,
    uptimes,
    uptimes_by_monitor,
)
from hiccup.store.results import RecordedResult, write_results
from hiccup.store.tables import monitors, outages
from hiccup.store.tables_history import rollups_daily, rollups_hourly
from hiccup.store.tables_probes import probes
from tests.support.certificates import certificate_ending

NOW = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
BORN = NOW - timedelta(days=400)
CERT_END = datetime(2027, 1, 4, 12, 30, tzinfo=UTC)


def monitor_row(monitor_id: str, created: datetime = BORN) -> dict[str, Any]:
    return {
        "id": monitor_id,
        "key": monitor_id,
        "name": monitor_id,
        "kind": "tls",
        "target": "example.net",
        "interval_s": 30.0,
        "timeout_s": 10.0,
        "options": {},
        "created_at": created,
        "updated_at": created,
    }


def rollup_row(monitor_id: str, start: datetime, latencies: list[float]) -> dict[str, Any]:
    rollup = Rollup()
    for ms in latencies:
        rollup.add(Verdict.OK, ms)
    return {
        "monitor_id": monitor_id,
        "bucket_start": start,
        "ok": rollup.ok,
        "degraded": 0,
        "failed": 0,
        "unreliable": 0,
        "latency_count": rollup.latency_count,
        "latency_sum": rollup.latency_sum,
        "latency_min": rollup.latency_min,
        "latency_max": rollup.latency_max,
        "histogram": {str(k): v for k, v in rollup.histogram.items()},
    }


def result_row(monitor_id: str, at: datetime, ms: float | None, **more: Any) -> RecordedResult:
    fields: dict[str, Any] = {"status_code": None, "error": None, "phases": None, **more}
    fields["verdict"] = Verdict(fields.get("verdict", "ok"))
    return RecordedResult(monitor_id=monitor_id, at=at, latency_ms=ms, **fields)


def outage_row(
    monitor_id: str, started: datetime, ended: datetime | None, false_at: datetime | None = None
) -> dict[str, Any]:
    return {
        "monitor_id": monitor_id,
        "state": "down",
        "started_at": started,
        "ended_at": ended,
        "false_at": false_at,
    }


async def seed(engine: AsyncEngine) -> None:
    hour = NOW.replace(minute=0)
    async with engine.begin() as conn:
        await conn.execute(
            insert(monitors),
            [
                monitor_row("up1"),
                monitor_row("down1"),
                monitor_row("new1", NOW - timedelta(hours=6)),
            ],
        )
        await conn.execute(
            insert(rollups_hourly),
            [rollup_row("up1", hour - timedelta(hours=h), [100.0 + h] * 4) for h in (0, 1, 5)],
        )
        await write_results(
            conn,
            [
                result_row("up1", NOW - timedelta(minutes=2), 80.0),
                result_row(
                    "up1",
                    NOW - timedelta(minutes=1),
                    90.0,
                    phases={"tls": 5.0, "total": 90.0},
                    certificate=certificate_ending(CERT_END),
                ),
                result_row("down1", NOW - timedelta(minutes=1), None, verdict="failed"),
            ],
            NOW,
        )
        await conn.execute(
            insert(outages),
            [
                # up1: an old outage, then a false one that must not count or set "since".
                outage_row("up1", NOW - timedelta(hours=30), NOW - timedelta(hours=20)),
                outage_row("up1", NOW - timedelta(hours=2), NOW - timedelta(hours=1), NOW),
                outage_row("down1", NOW - timedelta(hours=6), None),
            ],
        )


async def test_row_figures_of_a_page_of_monitors(engine: AsyncEngine) -> None:
    await seed(engine)
    async with engine.connect() as conn:
        found = await row_figures(conn, ["up1", "down1", "new1"], NOW)
    up, down, new = found["up1"], found["down1"], found["new1"]
    assert up.since == NOW - timedelta(hours=20)  # the false outage is not its latest
    assert up.last_latency_ms == 90.0
    assert up.uptime_24h == pytest.approx(1 - 4 / 24)  # 4 h of the old outage in the window
    assert up.cert_not_after == CERT_END
    assert len(up.spark) == 24
    assert up.spark[-1] == pytest.approx(100.0)
    assert up.spark[-2] == pytest.approx(101.0)
    assert up.spark[-6] == pytest.approx(105.0)
    assert up.spark[-3] is None
    assert down.since == NOW - timedelta(hours=6)
    assert down.last_latency_ms is None
    assert down.cert_not_after is None
    assert down.uptime_24h == pytest.approx(18 / 24)
    assert new.since == NOW - timedelta(hours=6)  # never down: since it was created
    assert new.uptime_24h == 1.0
    assert new.last_latency_ms is None
    assert set(new.spark) == {None}


async def test_no_ids_read_nothing(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await row_figures(conn, [], NOW) == {}


@pytest.mark.parametrize(
    ("span", "grain"),
    [
        (timedelta(hours=1), "raw"),
        (timedelta(days=1), "hourly"),
        (timedelta(days=30), "hourly"),
        (timedelta(days=90), "daily"),
    ],
)
def test_the_grain_follows_the_span(span: timedelta, grain: str) -> None:
    assert grain_for(span) == grain


async def test_latency_series_from_raw_results_hourly_and_daily_rollups(
    engine: AsyncEngine,
) -> None:
    await seed(engine)
    day = NOW.replace(hour=0, minute=0)
    async with engine.begin() as conn:
        await conn.execute(
            insert(rollups_daily),
            [
                rollup_row("up1", day - timedelta(days=d), [10.0, 20.0, 30.0, 1000.0])
                for d in (1, 50)
            ],
        )
    async with engine.connect() as conn:
        raw = await latency_series(conn, "up1", NOW - timedelta(hours=1), NOW)
        hours = await latency_series(conn, "up1", NOW - timedelta(hours=24), NOW)
        days = await latency_series(conn, "up1", NOW - timedelta(days=90), NOW)
    assert raw[0] == "raw"
    assert [p.p50 for p in raw[1]] == [80.0, 90.0]
    assert hours[0] == "hourly"
    assert [p.at for p in hours[1]] == [
        NOW.replace(minute=0) - timedelta(hours=h) for h in (5, 1, 0)
    ]
    assert hours[1][0].count == 4
    assert hours[1][0].p50 == pytest.approx(105.0, rel=0.13)
    assert days[0] == "daily"
    assert len(days[1]) == 2
    first = days[1][0]
    assert first.at == day - timedelta(days=50)
    assert first.p50 is not None
    assert first.p99 is not None
    assert first.p50 == pytest.approx(20.0, rel=0.13)
    assert first.p99 == pytest.approx(1000.0, rel=0.13)


async def test_uptimes_over_several_spans(engine: AsyncEngine) -> None:
    await seed(engine)
    spans = [timedelta(hours=24), timedelta(days=7), timedelta(days=365)]
    async with engine.connect() as conn:
        one = await uptimes(conn, "up1", spans, NOW)
        many = await uptimes_by_monitor(conn, ["up1", "down1"], spans, NOW)
        missing = await uptimes(conn, "nope", spans, NOW)
    assert one[timedelta(hours=24)] == pytest.approx(1 - 4 / 24)
    assert one[timedelta(days=7)] == pytest.approx(1 - 10 / (7 * 24))
    assert one[timedelta(days=365)] == pytest.approx(1 - 10 / (365 * 24))
    assert many["up1"] == one
    assert many["down1"][timedelta(days=7)] == pytest.approx(1 - 6 / (7 * 24))
    assert missing == dict.fromkeys(spans)


async def test_latency_by_probe_with_its_region(engine: AsyncEngine) -> None:
    await seed(engine)
    async with engine.begin() as conn:
        await conn.execute(
            insert(probes),
            {
                "name": "fra-1",
                "token_hash": "x" * 64,
                "prefix": "p",
                "region": "eu",
                "created_at": NOW,
            },
        )
        await write_results(
            conn,
            [
                result_row("up1", NOW - timedelta(minutes=3), 30.0, probe="fra-1"),
                result_row("up1", NOW - timedelta(minutes=4), 50.0, probe="fra-1"),
                result_row("up1", NOW - timedelta(minutes=5), 999.0, probe="fra-1", reliable=False),
                result_row("up1", NOW - timedelta(days=2), 999.0, probe="fra-1"),
            ],
            NOW,
        )
    async with engine.connect() as conn:
        found = await latency_by_region(conn, "up1", NOW - timedelta(hours=24))
    assert [(g.probe, g.region, g.count) for g in found] == [("fra-1", "eu", 2), ("local", None, 2)]
    assert found[0].mean_ms == pytest.approx(40.0)
    assert found[0].max_ms == pytest.approx(50.0)


async def test_the_certificate_from_the_newest_result(engine: AsyncEngine) -> None:
    await seed(engine)
    async with engine.connect() as conn:
        found = await last_certificate(conn, "up1")
        assert await last_certificate(conn, "down1") is None
    assert found is not None
    expected = certificate_ending(CERT_END)
    assert found.not_after == CERT_END
    assert found.not_before == expected.not_before
    assert found.fingerprint == expected.fingerprint
    assert found.alt_names == expected.alt_names
