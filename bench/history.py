"""History at scale: a year of 60 s results for 1,000 monitors, read the way Hiccup reads it.

    .venv/bin/python bench/history.py [--monitors 1000] [--components 200] [--raw-days 30]

Synthesizes straight into a temporary SQLite database what a year of running would leave:
daily rollups for the year, hourly rollups for their retention (90 days), raw results only for
the raw retention (30 days), and the outage intervals. Then it times, with the same code the
product runs, the 90-day uptime bars of a 200-component page (targets < 20 ms) and a yearly
SLA of one monitor (< 10 ms), beside a bare SQL count over the raw rows for the same ranges.
The bars are read as the snapshot builder reads them on every rebuild, with the closed days
kept since the last one (hiccup.store.public_bars), and once more with nothing kept: the first
rebuild, and the one after the history behind the closed days changed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from bench.migrated import migrated_sqlite  # noqa: E402
from hiccup.manage.report import monitor_range  # noqa: E402
from hiccup.store.database import create_engine  # noqa: E402
from hiccup.store.history_read import MonitorRecord  # noqa: E402
from hiccup.store.public_bars import BarsCache  # noqa: E402
from hiccup.store.public_read import read_public_state  # noqa: E402
from hiccup.store.results import to_ms  # noqa: E402
from hiccup.store.tables import components, monitors, pages  # noqa: E402

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
INTERVAL = 60  # seconds between results
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime in SQLite


@dataclass(frozen=True)
class Shape:
    monitors: int
    components: int
    days: int
    raw_days: int
    hourly_days: int
    outages_per_month: float
    seed: int


def _ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{n:011d}"[:12] for n in range(count)]


def _setup_catalog(url: str, shape: Shape) -> tuple[list[str], list[str]]:
    """Page, components and monitors through the real tables (so column defaults apply)."""
    engine = sqlalchemy.create_engine(url)
    created = NOW - timedelta(days=shape.days)
    component_ids, monitor_ids = _ids("c", shape.components), _ids("m", shape.monitors)
    stamp = {"created_at": created, "updated_at": created}
    with engine.begin() as conn:
        conn.execute(insert(pages), [{"id": "page", "slug": "default", "name": "Bench", **stamp}])
        conn.execute(
            insert(components),
            [
                {"id": c, "page_id": "page", "key": c, "name": f"component {n}", "position": n}
                | stamp
                for n, c in enumerate(component_ids)
            ],
        )
        conn.execute(
            insert(monitors),
            [
                {
                    "id": m,
                    "key": m,
                    "name": f"monitor {n}",
                    "kind": "http",
                    "target": f"http://10.0.{n // 250}.{n % 250}/",
                    "interval_s": INTERVAL,
                    "timeout_s": 10,
                    "component_id": component_ids[n % len(component_ids)],
                }
                | stamp
                for n, m in enumerate(monitor_ids)
            ],
        )
    engine.dispose()
    return component_ids, monitor_ids


def _outages(monitor_ids: list[str], shape: Shape) -> list[tuple[str, str, str, str | None]]:
    """Outages (two in three) and slow spells (one in three), minutes to hours long."""
    rng = random.Random(shape.seed)
    rows: list[tuple[str, str, str, str | None]] = []
    start = NOW - timedelta(days=shape.days)
    for monitor_id in monitor_ids:
        at = start
        while True:
            at += timedelta(hours=rng.expovariate(shape.outages_per_month / 720))
            if at >= NOW:
                break
            length = timedelta(minutes=min(180.0, rng.lognormvariate(2.3, 1.0)))
            state = "down" if rng.random() < 0.67 else "degraded"
            end = at + length
            rows.append((monitor_id, state, at.strftime(_SQLITE_TIME), _end(end)))
            at = end
    return rows


def _end(end: datetime) -> str | None:
    return None if end >= NOW else end.strftime(_SQLITE_TIME)


def _histogram(rng: random.Random, base: int, checks: int) -> str:
    """A plausible latency histogram: most checks in a few buckets around `base`."""
    spread = {base - 2: 0.05, base - 1: 0.2, base: 0.45, base + 1: 0.2, base + 2: 0.07}
    counts = {k: int(checks * w * rng.uniform(0.9, 1.1)) for k, w in spread.items()}
    counts[base + 8] = rng.randint(0, 3)  # a slow tail
    return json.dumps({str(k): v for k, v in sorted(counts.items()) if v})


def _rollup_rows(
    monitor_ids: list[str], since: datetime, step: timedelta, seed: int
) -> Iterator[tuple[object, ...]]:
    rng = random.Random(seed)
    checks = int(step.total_seconds() // INTERVAL)
    buckets = int((NOW - since) / step)
    for index, monitor_id in enumerate(monitor_ids):
        base = 40 + index % 40  # bucket 20 is 1 ms, 40 is 10 ms, 60 is 100 ms
        for k in range(buckets):
            at = since + k * step
            failed = rng.choice((0, 0, 0, 0, 1))
            mean = 10 ** ((base - 20) / 20)
            yield (
                monitor_id,
                at.strftime(_SQLITE_TIME),
                checks - failed - 1,
                1,
                failed,
                0,
                checks - failed,
                mean * (checks - failed),
                mean * 0.7,
                mean * 3.5,
                _histogram(rng, base, checks - failed),
            )


def _raw_rows(monitor_ids: list[str], days: int, seed: int) -> Iterator[tuple[object, ...]]:
    """One result per monitor per minute, in time order, as the recorder writes them (the
    slim rows of store.tables_results: monitor key, epoch ms, probe "" for local, verdict
    code, whole ms, and the phases of an https check of a host name: dns, connect, tls and
    first byte, the most a row keeps). A failure's error goes to result_details (_details)."""
    rng = random.Random(seed)
    start = to_ms(NOW - timedelta(days=days))
    for minute in range(days * 24 * 60):
        at = start + minute * INTERVAL * 1000
        for key in range(1, len(monitor_ids) + 1):
            latency = rng.uniform(1, 90)
            failed = rng.random() < 0.002
            if failed:
                yield (key, at, "", 2, None, None, 1, None, None, None, None)
            else:
                yield (key, at, "", 0, round(latency), 200, 1, *_phases(rng, latency))


def _phases(rng: random.Random, latency: float) -> tuple[int, int, int, int]:
    """Whole ms of dns (mostly cached), connect, tls and first byte, adding up to `latency`."""
    dns = round(rng.uniform(0, 2))
    connect, tls = round(latency * 0.2), round(latency * 0.3)
    return dns, connect, tls, max(0, round(latency) - dns - connect - tls)


ROLLUP_INSERT = (
    "INSERT INTO {} (monitor_id, bucket_start, ok, degraded, failed, unreliable, latency_count,"
    " latency_sum, latency_min, latency_max, histogram) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)
RAW_INSERT = (
    "INSERT INTO results (monitor_key, at, probe, verdict, latency_ms, status_code, reliable,"
    " dns_ms, connect_ms, tls_ms, first_byte_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)
DETAILS_INSERT = (
    "INSERT INTO result_details (monitor_key, at, probe, error, phases)"
    " SELECT monitor_key, at, probe, 'connection refused', NULL FROM results WHERE verdict = 2"
)


def _bulk(db: Path, shape: Shape, monitor_ids: list[str]) -> dict[str, int]:
    """Rollups, outages and raw results with sqlite3 directly; returns sizes along the way."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")
    conn.executemany(
        "INSERT INTO outages (monitor_id, state, started_at, ended_at) VALUES (?,?,?,?)",
        _outages(monitor_ids, shape),
    )
    daily_since = NOW.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=shape.days
    )
    hourly_since = NOW.replace(minute=0, second=0, microsecond=0) - timedelta(
        days=shape.hourly_days
    )
    conn.executemany(
        ROLLUP_INSERT.format("rollups_daily"),
        _rollup_rows(monitor_ids, daily_since, timedelta(days=1), shape.seed),
    )
    conn.executemany(
        ROLLUP_INSERT.format("rollups_hourly"),
        _rollup_rows(monitor_ids, hourly_since, timedelta(hours=1), shape.seed + 1),
    )
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    sizes = {"rollups and outages": db.stat().st_size}
    conn.executemany(
        "INSERT INTO monitor_keys (key, monitor_id) VALUES (?, ?)",
        [(n + 1, m) for n, m in enumerate(monitor_ids)],
    )
    # In time order, as the recorder writes them: the primary key's pages fill as they would.
    conn.executemany(RAW_INSERT, _raw_rows(monitor_ids, shape.raw_days, shape.seed + 2))
    conn.execute(DETAILS_INSERT)
    conn.commit()
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    sizes["total"] = db.stat().st_size
    return sizes


def table_sizes(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
    conn.close()
    return {name: int(size) for name, size in rows}


Timed = Callable[[], Awaitable[object]]


async def timed(work: Timed, repeat: int) -> list[float]:
    await work()  # warm: the page is rebuilt every minute, so its pages sit in the cache
    spent = []
    for _ in range(repeat):
        start = time.perf_counter()
        await work()
        spent.append((time.perf_counter() - start) * 1000)
    return spent


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    median = statistics.median(ordered)
    return f"median {median:8.2f} ms   p95 {p95:8.2f} ms   min {ordered[0]:8.2f} ms"


async def measure(url: str, shape: Shape, monitor_ids: list[str], repeat: int) -> None:
    engine = create_engine(url)
    year_lo = NOW - timedelta(days=365)
    record = MonitorRecord(
        monitor_ids[0], monitor_ids[0], "m", None, NOW - timedelta(days=shape.days)
    )

    kept = BarsCache()  # the snapshot builder's, between rebuilds

    async def bars(cache: BarsCache) -> object:
        async with engine.connect() as conn:
            state = await read_public_state(conn, "default", NOW, bars=cache)
        assert len(state.components) == shape.components
        assert len(state.components[0].days) == 90
        return state

    async def rebuild() -> object:
        return await bars(kept)

    async def first_build() -> object:
        return await bars(BarsCache())

    async def yearly_sla() -> object:
        async with engine.connect() as conn:
            return await monitor_range(conn, record, year_lo, NOW)

    async def raw_bars() -> object:
        query = sqlalchemy.text(
            "SELECT m.component_id, r.at / 86400000, count(*), sum(r.verdict = 2)"
            " FROM results r JOIN monitor_keys k ON k.key = r.monitor_key"
            " JOIN monitors m ON m.id = k.monitor_id"
            " WHERE r.at >= :lo GROUP BY 1, 2"
        )
        async with engine.connect() as conn:
            return (await conn.execute(query, {"lo": to_ms(NOW - timedelta(days=90))})).all()

    async def raw_sla() -> object:
        query = sqlalchemy.text(
            "SELECT count(*), sum(verdict = 0) FROM results"
            " WHERE monitor_key = (SELECT key FROM monitor_keys WHERE monitor_id = :m)"
            " AND at >= :lo AND at < :hi"
        )
        async with engine.connect() as conn:
            args = {"m": monitor_ids[0], "lo": to_ms(year_lo), "hi": to_ms(NOW)}
            return (await conn.execute(query, args)).one()

    try:
        row = await yearly_sla()
        bar_ms, cold_ms = await timed(rebuild, repeat), await timed(first_build, repeat)
        sla_ms = await timed(yearly_sla, repeat)
        raw_bar_ms, raw_sla_ms = await timed(raw_bars, 1), await timed(raw_sla, repeat)
    finally:
        await engine.dispose()
    _report(shape, (bar_ms, cold_ms), sla_ms, raw_bar_ms, raw_sla_ms, row)


def _report(
    shape: Shape,
    bars_ms: tuple[list[float], list[float]],
    sla_ms: list[float],
    raw_bar_ms: list[float],
    raw_sla_ms: list[float],
    row: object,
) -> None:
    bar_ms, cold_ms = bars_ms
    print(f"\n90-day bars, {shape.components} components (read_public_state, as the page):")
    print(f"  hiccup    {summary(bar_ms)}   (target < 20 ms; a rebuild, closed days kept)")
    print(f"  cold      {summary(cold_ms)}   (first rebuild, or closed days' history changed)")
    print(f"  baseline  {summary(raw_bar_ms)}   (SQL count over raw rows, GROUP BY day)")
    print(f"  ratio     {statistics.median(raw_bar_ms) / statistics.median(bar_ms):8.1f}x faster")
    print("\nYearly SLA of one monitor (outages + daily rollups, p50/p95/p99):")
    print(f"  hiccup    {summary(sla_ms)}   (target < 10 ms)")
    print(f"  baseline  {summary(raw_sla_ms)}   (SQL count over {shape.raw_days} days of raw rows)")
    print(f"  ratio     {statistics.median(raw_sla_ms) / statistics.median(sla_ms):8.2f}x")
    extrapolated = statistics.median(raw_sla_ms) * 365 / shape.raw_days
    print(f"  (the raw count over a full year of rows would take about {extrapolated:.0f} ms)")
    print(f"  sample: {row}")


def _size(n: float) -> str:
    return f"{n / 2**20:10.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--monitors", type=int, default=1000)
    parser.add_argument("--components", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--raw-days", type=int, default=30)
    parser.add_argument("--hourly-days", type=int, default=90)
    parser.add_argument("--outages-per-month", type=float, default=3.0, help="per monitor")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--dir", type=Path, default=None, help="where to put the database")
    args = parser.parse_args()
    shape = Shape(
        args.monitors,
        args.components,
        args.days,
        args.raw_days,
        args.hourly_days,
        args.outages_per_month,
        7,
    )
    with migrated_sqlite(args.dir, "history.db") as (db, url):
        started = time.perf_counter()
        _, monitor_ids = _setup_catalog(url, shape)
        sizes = _bulk(db, shape, monitor_ids)
        print(f"synthesized in {time.perf_counter() - started:.0f} s: {shape}")
        print(
            f"database size: {_size(sizes['total'])}  (rollups and outages alone: "
            f"{_size(sizes['rollups and outages']).strip()})"
        )
        for name, size in sorted(table_sizes(db).items(), key=lambda kv: -kv[1])[:8]:
            print(f"  {name:40s} {_size(size)}")
        asyncio.run(measure(url, shape, monitor_ids, args.repeat))


if __name__ == "__main__":
    main()
