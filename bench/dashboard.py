"""The admin dashboard at 10,000 monitors: how long the first page takes through the real route.

    .venv/bin/python bench/dashboard.py [--monitors 10000] [--components 200] [--runs 30]

Fills a temporary SQLite database with monitors (with states, components and tags), a day of
hourly rollups for every monitor, each one's latest results and some outages, logs an owner
in with a real session, then times GET /admin/ (the whole app: session check, the paged query
with its count, tags, components for the filters, each row's figures: last result, last
outage, 24 h uptime, the sparkline's rollups, the Jinja render with 50 inline SVGs) and the
same page filtered by search, status, tag and component, then sorted by each column both ways
(the database orders all 10,000 before the page is cut). Two baselines: a bare SELECT of the
same 50 rows, and the same page's bytes served by a bare static handler through the same
client; the ratios say what the page costs over each. Target: first page < 1 s.

Then one 30 s monitor with 90 days of hourly and daily rollups and a day of raw results: its
page per monitor over 1 h (raw points), 30 d (720 hourly points) and 90 d (daily points).
Target: the 90-day page < 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
from sqlalchemy import insert, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hiccup.auth.passwords import hash_password
from hiccup.auth.roles import Role
from hiccup.core.status import Verdict
from hiccup.server.runtime import Hiccup
from hiccup.store import accounts
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import create_engine, migrate
from hiccup.store.results import RecordedResult, write_results
from hiccup.store.tables import components, monitor_states, monitors, outages, pages
from hiccup.store.tables_accounts import monitor_tags
from hiccup.store.tables_history import rollups_daily, rollups_hourly
from hiccup.web.access import SESSION_COOKIE

# The app reads the system clock: the seeded history ends now, so every figure has data.
NOW = datetime.now(UTC).replace(microsecond=0)
STATES = ("up", "up", "up", "up", "up", "up", "degraded", "down", "unknown")
TAGS = ("eu", "us", "asia", "web", "db", "mail")


Rows = list[dict[str, object]]
CHART_MONITOR = "mchart00000"
# A typical latency histogram: bucket index (see hiccup.core.rollup) -> count.
HISTOGRAM = {"45": 20, "46": 50, "47": 40, "48": 8, "52": 2}


def _rollup(monitor_id: str, start: datetime, checks: int) -> dict[str, object]:
    return {
        "monitor_id": monitor_id,
        "bucket_start": start,
        "ok": checks,
        "degraded": 0,
        "failed": 0,
        "unreliable": 0,
        "latency_count": checks,
        "latency_sum": 180.0 * checks,
        "latency_min": 150.0,
        "latency_max": 420.0,
        "histogram": {k: v * checks // 120 for k, v in HISTOGRAM.items()},
    }


def _result(monitor_id: str, at: datetime, ms: float) -> RecordedResult:
    phases = {"dns": 2.0, "connect": 20.0, "tls": 40.0, "first_byte": ms - 70.0, "total": ms}
    # Certificates ending on different days, so sorting by them has work to do.
    phases["cert_not_after"] = (NOW + timedelta(days=5 + sum(monitor_id.encode()) % 80)).timestamp()
    return RecordedResult(monitor_id, at, Verdict.OK, ms, 200, None, phases)


async def fill_history(engine: AsyncEngine, ids: list[str]) -> None:
    """A day of hourly rollups and the two latest results of every monitor; an outage for
    every tenth; 90 days of rollups and a day of 30 s results for the chart's monitor."""
    hour = NOW.replace(minute=0)
    async with engine.begin() as conn:
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            await conn.execute(
                insert(rollups_hourly),
                [_rollup(m, hour - timedelta(hours=h), 60) for m in chunk for h in range(24)],
            )
            await write_results(
                conn,
                [
                    _result(m, NOW - timedelta(seconds=s), 180.0 + s)
                    for m in chunk
                    for s in (30, 90)
                ],
                NOW,
            )
        down = [
            {
                "monitor_id": m,
                "state": "down",
                "started_at": NOW - timedelta(hours=3),
                "ended_at": NOW - timedelta(hours=2),
                "false_at": None,
            }
            for m in ids[::10]
        ]
        await conn.execute(insert(outages), down)
        chart = CHART_MONITOR
        await conn.execute(
            insert(rollups_hourly),
            [_rollup(chart, hour - timedelta(hours=h), 120) for h in range(24, 90 * 24)],
        )
        await conn.execute(
            insert(rollups_daily),
            [_rollup(chart, hour.replace(hour=0) - timedelta(days=d), 2880) for d in range(91)],
        )
        await write_results(
            conn,
            [_result(chart, NOW - timedelta(seconds=30 * i), 170.0 + i % 40) for i in range(2880)],
            NOW,
        )


def _rows(count: int, component_ids: list[str]) -> tuple[Rows, Rows, Rows]:
    made: Rows = []
    states: Rows = []
    tags: Rows = []
    for index in range(count):
        monitor_id = f"m{index:011d}"
        made.append(
            {
                "id": monitor_id,
                "key": f"host-{index:05d}",
                "name": f"host-{index:05d} http",
                "kind": "http",
                "target": f"https://host-{index:05d}.example.net/health",
                "interval_s": 60.0,
                "timeout_s": 10.0,
                "options": {},
                "failure_threshold": 3,
                "success_threshold": 2,
                "component_id": component_ids[index % len(component_ids)],
                "enabled": index % 97 != 0,
                "declared": False,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        states.append(
            {
                "monitor_id": monitor_id,
                "track": {},
                "state": STATES[index % 9],
                "last_result_at": NOW,
            }
        )
        tags += [
            {"monitor_id": monitor_id, "tag": TAGS[index % 6]},
            {"monitor_id": monitor_id, "tag": TAGS[(index // 6) % 6 + 0] + "-x"},
        ]
    return made, states, tags


async def fill(engine: AsyncEngine, count: int, component_count: int) -> str:
    await migrate(engine)
    async with engine.begin() as conn:
        await conn.execute(
            insert(pages).values(
                id="p0000000000",
                slug="default",
                name="Bench",
                url="",
                time_zone="UTC",
                history_days=90,
                declared=False,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        component_ids = [f"c{i:011d}" for i in range(component_count)]
        await conn.execute(
            insert(components),
            [
                {
                    "id": c,
                    "page_id": "p0000000000",
                    "key": f"server-{i}",
                    "name": f"server {i}",
                    "is_group": False,
                    "position": i,
                    "status": "operational",
                    "declared": False,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i, c in enumerate(component_ids)
            ],
        )
        made, states, tags = _rows(count, component_ids)
        chart = dict(
            made[0], id=CHART_MONITOR, key="chart", name="host-chart 30 s", interval_s=30.0
        )
        made.append(chart)
        states.append(dict(states[0], monitor_id=CHART_MONITOR))
        await conn.execute(insert(monitors), made)
        await conn.execute(insert(monitor_states), states)
        await conn.execute(insert(monitor_tags), tags)
        user_id = await accounts.create_user(
            conn, "olga", Role.OWNER, await hash_password("bench password!"), NOW
        )
        return await accounts.create_session(conn, user_id, "full", datetime.now(UTC), "bench")


async def timed(runs: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    for _ in range(3):  # warm caches and the template
        await call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def report(label: str, samples: list[float], baseline: float | None = None) -> None:
    median = statistics.median(samples)
    p95 = sorted(samples)[int(len(samples) * 0.95) - 1]
    ratio = f"  ratio {median / baseline:6.1f}x" if baseline else ""
    print(f"{label:<40} median {median:7.2f} ms  p95 {p95:7.2f} ms{ratio}")


async def bench(count: int, component_count: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        session = await fill(engine, count, component_count)
        await fill_history(engine, [f"m{i:011d}" for i in range(count)] + [CHART_MONITOR])
        # The whole app as `serve` builds it; its lifespan (checks, workers) is not started.
        app = Hiccup(engine).app()
        transport = httpx.ASGITransport(app=app)
        cookies = {SESSION_COOKIE: session}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", cookies=cookies
        ) as client:

            async def page(path: str) -> None:
                answer = await client.get(path)
                assert answer.status_code == 200, answer.status_code
                assert "host-" in answer.text

            async def bare() -> None:
                query = select(monitors).order_by(monitors.c.name, monitors.c.id).limit(50)
                async with engine.connect() as conn:
                    rows = (await conn.execute(query)).all()
                assert len(rows) == 50

            print(f"{count} monitors, {component_count} components, SQLite, {runs} runs each")
            base = statistics.median(await timed(runs, bare))
            report("baseline: bare SELECT of 50 rows", [base] * runs)
            static = await static_baseline(client, runs)
            report("baseline: same bytes, static handler", [static] * runs)
            cases = {
                "GET /admin/ (first page)": "/admin/",
                "GET /admin/?page=100": "/admin/?page=100",
                "search q=host-0999": "/admin/?q=host-0999",
                "status=down": "/admin/?status=down",
                "tag=eu": "/admin/?tag=eu",
                "component=server 7 + status=up": "/admin/?component=c00000000007&status=up",
                "htmx table only (first page)": "/admin/monitors/table",
            }
            for label, path in cases.items():
                report(label, await timed(runs, partial(page, path)), base)
            print("sorted in the database across all pages (first page unless named):")
            sorted_pages: dict[str, float] = {}
            for label, path in SORTED.items():
                samples = await timed(runs, partial(page, path))
                sorted_pages[label] = statistics.median(samples)
                report(label, samples, base)
            first = statistics.median(await timed(runs, partial(page, "/admin/")))
            report("GET /admin/ over the static baseline", [first] * runs, static)
            print("page per monitor, a 30 s monitor with 90 days of rollups:")
            spans: dict[str, float] = {}
            for span in ("1h", "24h", "30d", "90d"):
                path = f"/admin/monitors/{CHART_MONITOR}?range={span}"
                samples = await timed(runs, partial(page, path))
                spans[span] = statistics.median(samples)
                report(f"GET /admin/monitors/<id>?range={span}", samples, static)
            print(f"target: first page < 1000 ms: {_verdict(first, 1000)}")
            slowest = max(sorted_pages, key=lambda label: sorted_pages[label])
            print(f"target: every sorted page < 1000 ms, slowest {slowest}: ", end="")
            print(_verdict(sorted_pages[slowest], 1000))
            print(f"target: 90-day chart page < 200 ms: {_verdict(spans['90d'], 200)}")
        await engine.dispose()


# Every column the dashboard sorts by, each way, and with filters and a deep page.
SORTED = {
    **{
        f"sort={key}{' desc' if down else ''}": f"/admin/?sort={key}{'&dir=desc' if down else ''}"
        for key in (
            "status",
            "name",
            "since",
            "latency",
            "uptime",
            "cert",
            "last_check",
            "next_check",
        )
        for down in (False, True)
    },
    "sort=latency desc, page=150": "/admin/?sort=latency&dir=desc&page=150",
    "sort=uptime + status=up + tag=eu": "/admin/?sort=uptime&status=up&tag=eu",
    "sort=cert + search host-0": "/admin/?sort=cert&q=host-0",
}


def _verdict(median_ms: float, target_ms: float) -> str:
    return f"{'met' if median_ms < target_ms else 'MISSED'} ({median_ms:.0f} ms)"


async def static_baseline(client: httpx.AsyncClient, runs: int) -> float:
    """The median time to serve the dashboard's own bytes from a handler that does nothing
    else, through the same kind of client: what HTTP, ASGI and the transfer cost alone."""
    body = (await client.get("/admin/")).content

    async def serve(_request: Request) -> Response:
        return Response(body, media_type="text/html; charset=utf-8")

    app = Starlette(routes=[Route("/", serve)])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as bare:

        async def fetch() -> None:
            answer = await bare.get("/")
            assert len(answer.content) == len(body)

        return statistics.median(await timed(runs, fetch))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--monitors", type=int, default=10_000)
    parser.add_argument("--components", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(bench(args.monitors, args.components, args.runs))


if __name__ == "__main__":
    main()
