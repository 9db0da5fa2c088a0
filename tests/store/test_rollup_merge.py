"""Partial rollups added to the stored rows in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from hiccup.core.rollup import Key, Rollup, merged
from hiccup.core.status import Verdict
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.rollup_merge import histogram_json, merge_rollups
from hiccup.store.tables_history import rollups_daily, rollups_hourly
from tests.support.history_helpers import assert_same, stored_rollups
from tests.support.store_helpers import START, pipeline


def _rollup(*latencies: float | None) -> Rollup:
    rollup = Rollup()
    for latency in latencies:
        rollup.add(Verdict.OK if latency is not None else Verdict.FAILED, latency)
    return rollup


async def test_partials_add_to_stored_rows_bucket_by_bucket(engine: AsyncEngine) -> None:
    a, b, c = sorted((await pipeline(engine)).specs)
    hour = START + timedelta(hours=1)
    parts: list[dict[Key, Rollup]] = [
        # a: failures only first (no latency, empty histogram), then latencies.
        {(a, START): _rollup(None), (b, START): _rollup(5.0, 500.0), (c, hour): _rollup(0.0)},
        {(a, START): _rollup(7.0, 7.0), (b, START): _rollup(None, 0.05), (b, hour): _rollup(3.0)},
        {(a, START): _rollup(None), (b, START): _rollup(120_000.0, 9.0)},
    ]
    for table in (rollups_hourly, rollups_daily):
        for part in parts:
            async with engine.begin() as conn:
                await merge_rollups(conn, table, part)
        expected = {
            key: merged(part[key] for part in parts if key in part) for key in parts[0] | parts[1]
        }
        assert_same(await stored_rollups(engine, daily=table is rollups_daily), expected)


def test_histograms_are_stored_as_json_objects_in_bucket_order() -> None:
    assert histogram_json({}) == "{}"
    assert histogram_json({61: 2, 9: 1, 100: 3}) == '{"9":1,"61":2,"100":3}'
