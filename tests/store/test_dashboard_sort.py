"""The dashboard sorts in the database, across pages: for every column and both directions,
paging through the monitors three at a time gives the order of the figures the rows show
(rows without a figure last, ties by name), on SQLite and PostgreSQL; filters keep it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.dashboard import MonitorQuery, monitor_page
from hiccup.store.dashboard_sort import SortKey
from hiccup.store.monitor_figures import RowFigures, row_figures
from hiccup.store.results import write_results
from hiccup.store.tables import monitor_states, monitors, outages
from tests.store.test_monitor_figures import NOW, monitor_row, outage_row, result_row
from tests.support.certificates import certificate_ending

HOUR = timedelta(hours=1)
SEVERITY = {"down": 0, "degraded": 1, "unknown": 2, "up": 3, "paused": 4}


def _monitor(monitor_id: str, name: str, kind: str, target: str, **more: Any) -> dict[str, Any]:
    # Every row names the same columns: an executemany takes them from the first row.
    row = {**monitor_row(monitor_id), "name": name, "kind": kind, "target": target}
    return {**row, "enabled": True, **more}


async def seed(engine: AsyncEngine) -> None:
    """Nine monitors whose figures differ column by column, with ties and gaps."""
    rows = [
        _monitor("a", "shop", "http", "https://shop.example/", interval_s=60.0),
        _monitor("b", "api", "http", "http://api.example/", interval_s=30.0),
        _monitor("c", "mail", "tls", "mail.example:465", created_at=NOW - 6 * HOUR),
        _monitor("d", "backup", "heartbeat", ""),
        _monitor("e", "dns", "dns", "example.net", enabled=False),
        _monitor("f", "cdn", "tls", "cdn.example:443"),
        _monitor("g", "api", "tcp", "10.0.0.1:22"),  # the same name as b: ties by id
        _monitor("h", "shop eu", "http", "https://eu.shop.example/"),
        _monitor("i", "fresh", "http", "https://fresh.example/", created_at=NOW + HOUR),
    ]
    states = {"a": "up", "b": "down", "c": "degraded", "d": "up", "e": "down", "f": "up"}
    seen = {"a": 50, "b": 20, "c": 20, "d": 300, "e": 5, "f": 90}  # seconds ago
    certs = {"a": 30, "c": 3, "f": 30, "b": 9}  # days left (b: plain http, not shown)
    latencies = {"a": 120.0, "b": None, "c": 45.0, "d": 900.0, "f": 45.0, "g": 7.0}
    async with engine.begin() as conn:
        await conn.execute(insert(monitors), rows)
        await conn.execute(
            insert(monitor_states),
            [
                {
                    "monitor_id": m,
                    "track": {},
                    "state": state,
                    "last_result_at": NOW - timedelta(seconds=seen[m]),
                }
                for m, state in states.items()
            ],
        )
        results = [
            result_row(m, NOW - timedelta(minutes=5), 999.0) for m in latencies
        ] + [  # the newest result is the one shown
            result_row(
                m,
                NOW - timedelta(minutes=1),
                ms,
                certificate=certificate_ending(NOW + timedelta(days=certs[m]))
                if m in certs
                else None,
            )
            for m, ms in latencies.items()
        ]
        await write_results(conn, results, NOW)
        await conn.execute(
            insert(outages),
            [
                outage_row("a", NOW - 30 * HOUR, NOW - 20 * HOUR),
                outage_row("b", NOW - 2 * HOUR, None),
                outage_row("c", NOW - 5 * HOUR, NOW - 3.5 * HOUR),
                {**outage_row("c", NOW - HOUR, None), "state": "degraded"},
                outage_row("f", NOW - 3 * HOUR, NOW - 2 * HOUR, false_at=NOW),  # not counted
                outage_row("g", NOW - 8 * HOUR, NOW - 7 * HOUR),
                outage_row("h", NOW - 9 * HOUR, NOW - 8 * HOUR),
            ],
        )


def _shows_cert(row: Any) -> bool:
    kind, target = str(row["kind"]), str(row["target"])
    return kind == "tls" or (kind == "http" and target.startswith("https:"))


def shown(key: SortKey, row: Any, figures: RowFigures) -> Any:
    """The figure the row shows for the column (None: a dash), as hiccup.web.admin does."""
    enabled, last = row["enabled"], row["last_result_at"]
    match key:
        case SortKey.STATUS:
            return SEVERITY[(row["state"] or "unknown") if enabled else "paused"]
        case SortKey.NAME:
            return row["name"]
        case SortKey.SINCE:
            return figures.since if enabled else None
        case SortKey.LATENCY:
            return figures.last_latency_ms
        case SortKey.UPTIME:
            return figures.uptime_24h
        case SortKey.CERT:
            return figures.cert_not_after if _shows_cert(row) else None
        case SortKey.LAST_CHECK:
            return last
        case SortKey.NEXT_CHECK:
            scheduled = enabled and row["kind"] != "heartbeat" and last is not None
            return last + timedelta(seconds=row["interval_s"]) if scheduled else None


async def paged(engine: AsyncEngine, spec: MonitorQuery, now: datetime) -> list[str]:
    """Every page of `spec`, three rows at a time, as one list of ids."""
    found: list[str] = []
    page = 1
    async with engine.connect() as conn:
        while True:
            wanted = MonitorQuery(**{**_fields(spec), "page": page, "per_page": 3})
            rows, total = await monitor_page(conn, wanted, now)
            found += [r["id"] for r in rows]
            if len(found) >= total or not rows:
                return found
            page += 1


def _fields(spec: MonitorQuery) -> dict[str, Any]:
    return {name: getattr(spec, name) for name in MonitorQuery.__dataclass_fields__}


def expected(key: SortKey, descending: bool, rows: list[Any], figures: Any) -> list[str]:
    values = {r["id"]: shown(key, r, figures[r["id"]]) for r in rows}
    ties = sorted(rows, key=lambda r: (r["name"], r["id"]))
    if key is SortKey.NAME:
        ties = ties[::-1] if descending else ties
        return [r["id"] for r in ties]
    present = [r for r in ties if values[r["id"]] is not None]
    present.sort(key=lambda r: values[r["id"]], reverse=descending)  # stable: ties keep names
    return [r["id"] for r in present] + [r["id"] for r in ties if values[r["id"]] is None]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("key", list(SortKey))
async def test_each_column_sorts_every_page(
    engine: AsyncEngine, key: SortKey, descending: bool
) -> None:
    await seed(engine)
    async with engine.connect() as conn:
        rows, total = await monitor_page(conn, MonitorQuery(per_page=100), NOW)
        figures = await row_figures(conn, [r["id"] for r in rows], NOW)
    assert total == 9
    order = await paged(engine, MonitorQuery(sort=key, descending=descending), NOW)
    assert order == expected(key, descending, rows, figures)


async def test_the_figures_really_differ_so_each_order_means_something(
    engine: AsyncEngine,
) -> None:
    await seed(engine)
    orders = {key: tuple(await paged(engine, MonitorQuery(sort=key), NOW)) for key in list(SortKey)}
    assert len(set(orders.values())) == len(orders)
    assert orders[SortKey.STATUS][:2] == ("b", "c")  # down, then degraded: worst first
    assert orders[SortKey.LATENCY][0] == "g"  # the fastest of all, though last by name
    # 1.5 h down of its 6 hours, then 4 h of 24, then 2 h of 24 (and still down).
    assert orders[SortKey.UPTIME][:3] == ("c", "a", "b")
    assert orders[SortKey.CERT][:3] == ("c", "f", "a")  # 3 d, then 30 d twice: by name


async def test_filters_and_search_keep_the_order(engine: AsyncEngine) -> None:
    await seed(engine)
    falling = MonitorQuery(search="shop", sort=SortKey.LATENCY, descending=True)
    assert await paged(engine, falling, NOW) == ["a", "h"]  # h has no result: last
    up = MonitorQuery(status="up", sort=SortKey.LAST_CHECK, descending=True)
    assert await paged(engine, up, NOW) == ["a", "f", "d"]
    async with engine.connect() as conn:
        second, total = await monitor_page(
            conn, MonitorQuery(sort=SortKey.STATUS, page=2, per_page=2), NOW
        )
    assert total == 9
    # After b (down) and c (degraded): the monitors never checked, by name.
    assert [r["id"] for r in second] == ["g", "i"]
