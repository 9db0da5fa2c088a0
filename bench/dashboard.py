"""The admin dashboard at 10,000 monitors: how long the first page takes through the real route.

    .venv/bin/python bench/dashboard.py [--monitors 10000] [--components 200] [--runs 30]

Fills a temporary SQLite database with monitors (with states, components and tags), logs an
owner in with a real session, then times GET /admin/ (the whole app: session check, the
paged query with its count, tags, components for the filters, the Jinja render) and the same
page filtered by search, status, tag and component. The baseline is a bare SELECT of the same
50 rows; the ratio says what the page costs over reading its rows. Target: first page < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import httpx
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hiccup.auth.passwords import hash_password
from hiccup.auth.roles import Role
from hiccup.server.runtime import Hiccup
from hiccup.store import accounts
from hiccup.store.database import create_engine, migrate
from hiccup.store.tables import components, monitor_states, monitors, pages
from hiccup.store.tables_accounts import monitor_tags
from hiccup.web.access import SESSION_COOKIE

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
STATES = ("up", "up", "up", "up", "up", "up", "degraded", "down", "unknown")
TAGS = ("eu", "us", "asia", "web", "db", "mail")


Rows = list[dict[str, object]]


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
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--monitors", type=int, default=10_000)
    parser.add_argument("--components", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(bench(args.monitors, args.components, args.runs))


if __name__ == "__main__":
    main()
