"""A database made at the first schema (revision 0001, which every Hiccup database began at),
with a row in every table, upgrades to the newest revisions keeping every value it held.

The rows are written at 0001 with that revision's own tables (reflected, not today's
definitions), so the test says what an old database really holds; a table added to 0001 without
a row here fails the test rather than slipping by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import Connection, MetaData, Table, inspect, select

from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import (
    alembic_config,
    migrate,
    newest_revisions,
    stored_revisions,
)
from hiccup.store.results import StoredResult, stored_results

FIRST = "0001"
AT = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
LATER = AT + timedelta(minutes=7)
Row = dict[str, Any]

# Parents before children (foreign keys), one list of rows per table of revision 0001.
ROWS: dict[str, list[Row]] = {
    "pages": [
        {
            "id": "pg1",
            "slug": "default",
            "name": "Flexo Hosting",
            "url": "https://status.flexo.example",
            "time_zone": "Europe/Berlin",
            "history_days": 90,
            "declared": True,
            "created_at": AT,
            "updated_at": LATER,
        }
    ],
    "components": [
        {
            "id": "grp1",
            "page_id": "pg1",
            "key": "web",
            "name": "Web servers",
            "description": None,
            "group_id": None,
            "is_group": True,
            "position": 0,
            "status": "operational",
            "declared": True,
            "created_at": AT,
            "updated_at": AT,
        },
        {
            "id": "cmp1",
            "page_id": "pg1",
            "key": "flexo",
            "name": "flexo",
            "description": "The main web server.",
            "group_id": "grp1",
            "is_group": False,
            "position": 1,
            "status": "major_outage",
            "declared": True,
            "created_at": AT,
            "updated_at": LATER,
        },
    ],
    "monitors": [
        {
            "id": "mon1",
            "key": "flexo-website",
            "name": "flexo website",
            "kind": "http",
            "target": "https://flexo.example/health",
            "interval_s": 30.0,
            "timeout_s": 5.0,
            "options": {"expected_status": [200, 204], "keyword": "Welcome"},
            "failure_threshold": 3,
            "success_threshold": 2,
            "degraded_latency_ms": 800.0,
            "component_id": "cmp1",
            "enabled": True,
            "declared": True,
            "created_at": AT,
            "updated_at": AT,
        }
    ],
    "incidents": [
        {
            "id": "inc1",
            "page_id": "pg1",
            "name": "Flexo unreachable",
            "status": "resolved",
            "impact": "major",
            "auto_component_id": "cmp1",
            "started_at": AT,
            "monitoring_at": AT + timedelta(minutes=3),
            "resolved_at": LATER,
            "postmortem": "A full disk; alerts on disk space now.",
            "created_at": AT,
            "updated_at": LATER,
        }
    ],
    "incident_components": [{"incident_id": "inc1", "component_id": "cmp1"}],
    "incident_updates": [
        {
            "id": "upd1",
            "incident_id": "inc1",
            "status": "investigating",
            "body": "Flexo does not answer; we are looking into it.",
            "affected": {"cmp1": "major_outage"},
            "notify": True,
            "created_at": AT,
            "display_at": AT,
        },
        {
            "id": "upd2",
            "incident_id": "inc1",
            "status": "resolved",
            "body": "Flexo answers again.",
            "affected": {"cmp1": "operational"},
            "notify": False,
            "created_at": LATER,
            "display_at": LATER,
        },
    ],
    "monitor_states": [
        {
            "monitor_id": "mon1",
            "track": {"failures": 3, "successes": 0},
            "state": "down",
            "last_result_at": LATER,
        }
    ],
    "outages": [
        {"id": 41, "monitor_id": "mon1", "state": "down", "started_at": AT, "ended_at": LATER}
    ],
    "results": [
        {
            "id": 1001,
            "monitor_id": "mon1",
            "at": AT,
            "verdict": "failed",
            "latency_ms": None,
            "status_code": 503,
            "error": "HTTP 503",
            "phases": {"connect": 2.5, "first_byte": 40.0},
            "probe": "local",
        },
        {
            "id": 1002,
            "monitor_id": "mon1",
            "at": LATER,
            "verdict": "ok",
            "latency_ms": 42.5,
            "status_code": 200,
            "error": None,
            "phases": None,
            "probe": "local",
        },
    ],
    "events": [
        {
            "id": 7,
            "kind": "monitor.transition",
            "payload": {
                "monitor_id": "mon1",
                "previous": "up",
                "current": "down",
                "started_at": AT.isoformat(),
                "confirmed_at": AT.isoformat(),
            },
            "created_at": AT,
            "processed_at": AT + timedelta(seconds=1),
        }
    ],
}


# Columns added since 0001, as the migrations fill them for rows that existed before.
ADDED: dict[str, dict[str, Any]] = {
    "pages": {"incidents": "auto", "publish_after_s": 300.0},
    "monitors": {"public": True, "probes": ["local"], "quorum": "majority"},
    "monitor_states": {"applied_state": "down"},  # its transition was applied already
    "incidents": {"false_at": None},
    "outages": {"false_at": None},
}


def at_first_schema(connection: Connection) -> set[str]:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, FIRST)
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def fill(connection: Connection) -> None:
    old = MetaData()
    for name, rows in ROWS.items():
        table = Table(name, old, autoload_with=connection)
        connection.execute(table.insert(), rows)


def read_back(connection: Connection) -> dict[str, tuple[list[str], list[Row]]]:
    """Each table's rows at the newest schema, with the columns that identify a row."""
    new = MetaData()
    found: dict[str, tuple[list[str], list[Row]]] = {}
    for name in ROWS:
        table = Table(name, new, autoload_with=connection)
        key = [c.name for c in table.primary_key.columns] or [c.name for c in table.columns]
        rows = [dict(row) for row in connection.execute(select(table)).mappings()]
        found[name] = (key, rows)
    return found


# Tables whose rows a migration rewrites in another shape: compared through the store's reader.
RESHAPED = {"results"}  # 0019: slim rows, whole milliseconds, details only for failures


def _as_written(result: StoredResult) -> tuple[Any, ...]:
    return (
        result.monitor_id,
        result.at,
        result.verdict.value,
        result.status_code,
        result.error,
        result.phases,
        result.probe,
    )


def _as_written_old(row: Row) -> tuple[Any, ...]:
    return (
        row["monitor_id"],
        row["at"],
        row["verdict"],
        row["status_code"],
        row["error"],
        row["phases"] if row["verdict"] != "ok" else {},
        row["probe"],
    )


def comparable(value: Any) -> Any:
    # SQLite gives back naive UTC datetimes, PostgreSQL aware ones.
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value


async def test_every_table_of_the_first_schema_upgrades_with_its_data(
    bare_engine: AsyncEngine,
) -> None:
    async with bare_engine.begin() as conn:
        tables = await conn.run_sync(at_first_schema)
        assert tables == set(ROWS), "every table of the first schema needs a row here"
        await conn.run_sync(fill)
        assert await conn.run_sync(stored_revisions) == {FIRST}

    before, after = await migrate(bare_engine)

    assert (before, after) == ({FIRST}, newest_revisions())
    async with bare_engine.connect() as conn:
        found = await conn.run_sync(read_back)
        if bare_engine.dialect.name == "sqlite":  # off while migrating, on again after
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
    async with bare_engine.connect() as conn:
        slim = await stored_results(conn)
    assert [_as_written(r) for r in slim] == [_as_written_old(r) for r in ROWS["results"]]
    for result, row in zip(slim, ROWS["results"], strict=True):  # whole ms, half either way
        assert (result.latency_ms is None) == (row["latency_ms"] is None)
        assert abs((result.latency_ms or 0) - (row["latency_ms"] or 0)) <= 0.5
    for name, rows in ROWS.items():
        if name in RESHAPED:
            continue
        key, stored = found[name]
        assert len(stored) == len(rows), name
        by_key = {tuple(row[k] for k in key): row for row in stored}
        for wrote in rows:
            read = by_key[tuple(wrote[k] for k in key)]
            kept = {column: comparable(read[column]) for column in wrote}
            assert kept == {column: comparable(v) for column, v in wrote.items()}, name
    for name, columns in ADDED.items():
        _, [read, *_] = found[name]
        assert {column: read[column] for column in columns} == columns, name
