"""Raw results in and out of their slim rows (tables_results): integer keys, epoch
milliseconds, a verdict code, the phases in whole milliseconds; the error only where a result
has one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, and_, select

from hiccup.checks.certificate import CertificateInfo
from hiccup.core.status import Verdict
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.certificates import note_certificates
from hiccup.store.driver_rows import Row, column_names, execute_rows, insert_sql
from hiccup.store.tables_history import history_marks
from hiccup.store.tables_results import (
    PHASE_COLUMNS,
    monitor_keys,
    result_details,
    results,
    results_late,
)
from hiccup.store.upsert import upsert_for, upsert_into

LOCAL = "local"  # the server's own checks: stored as "" (no bytes on SQLite)
VERDICT_CODES: dict[Verdict, int] = {Verdict.OK: 0, Verdict.DEGRADED: 1, Verdict.FAILED: 2}
VERDICTS: dict[int, Verdict] = {code: verdict for verdict, code in VERDICT_CODES.items()}
FOLD_MARK = "rollups.results"  # history_marks: the time (epoch ms) the fold has reached
# A result written this long after it started may be behind the fold's window on another
# server: it is queued for the fold too. Must stay under the history worker's `settle`.
LATE_AFTER = timedelta(seconds=20)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_IDS_PER_QUERY = 2000  # SQLite and asyncpg both cap bound parameters near 32k


@dataclass(frozen=True, slots=True)
class RecordedResult:
    monitor_id: str
    at: datetime
    verdict: Verdict
    latency_ms: float | None
    status_code: int | None
    error: str | None
    phases: dict[str, float] | None
    probe: str = LOCAL
    reliable: bool = True
    certificate: CertificateInfo | None = None  # stored apart: monitor_certs


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds (floored) of an aware moment."""
    return (moment - _EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    return _EPOCH + ms * _MS


def stored_latency(latency_ms: float | None) -> int | None:
    """Latency as kept: whole milliseconds."""
    return None if latency_ms is None else round(latency_ms)


def _insert_ignoring(conn: AsyncConnection, table: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING into `table`, built once per dialect and table."""
    return _built_insert_ignoring(conn.dialect.name, table)


@cache
def _built_insert_ignoring(dialect: str, table: Any) -> Any:
    # Every flush runs these; building one (and SQLAlchemy's cache key for it) each time cost
    # a good part of what running it for a batch of 50 results costs.
    return upsert_for(dialect, table).on_conflict_do_nothing()


async def keys_of(
    conn: AsyncConnection, monitor_ids: Iterable[str], known: dict[str, int] | None = None
) -> dict[str, int]:
    """Each monitor's integer key, made on its first result. `known`: keys read before (a
    monitor's key never changes while the monitor exists), kept up to date here; the
    recorder's flush then asks the database only for monitors it has not seen yet."""
    cached = known if known is not None else {}
    wanted = sorted(set(monitor_ids) - cached.keys())
    found = await _read_keys(conn, wanted) if wanted else {}
    missing = [m for m in wanted if m not in found]
    if missing:
        statement = upsert_into(conn, monitor_keys).on_conflict_do_nothing()
        await conn.execute(statement, [{"monitor_id": m} for m in missing])
        found.update(await _read_keys(conn, missing))
    cached.update(found)
    return cached


async def _read_keys(conn: AsyncConnection, monitor_ids: Sequence[str]) -> dict[str, int]:
    k = monitor_keys.c
    found: dict[str, int] = {}
    for i in range(0, len(monitor_ids), _IDS_PER_QUERY):
        query = select(k.monitor_id, k.key).where(
            k.monitor_id.in_(monitor_ids[i : i + _IDS_PER_QUERY])
        )
        found.update({row[0]: row[1] for row in await conn.execute(query)})
    return found


def _key(keys: dict[str, int], result: RecordedResult) -> dict[str, Any]:
    return {
        "monitor_key": keys[result.monitor_id],
        "at": to_ms(result.at),
        "probe": "" if result.probe == LOCAL else result.probe,
    }


def _apart(batch: Sequence[RecordedResult]) -> Sequence[RecordedResult]:
    taken: set[tuple[str, int, str]] = set()
    out: list[RecordedResult] = []
    for result in batch:
        key = (result.monitor_id, to_ms(result.at), result.probe)
        while key in taken:
            key = (key[0], key[1] + 1, key[2])
        if key[1] != to_ms(result.at):
            result = replace(result, at=from_ms(key[1]))
        taken.add(key)
        out.append(result)
    return out


def _needs_details(result: RecordedResult) -> bool:
    return bool(result.error)


def _phase_values(phases: dict[str, float] | None) -> tuple[int | None, ...]:
    """The phase columns of a result row: whole milliseconds, None for a step not taken."""
    found = phases or {}
    return tuple(stored_latency(found.get(p)) for p in PHASE_COLUMNS)


_RESULT_COLUMNS = column_names(
    results,
    "monitor_key",
    "at",
    "probe",
    "verdict",
    "latency_ms",
    "status_code",
    "reliable",
    *(f"{p}_ms" for p in PHASE_COLUMNS),
)


def _result_row(keys: dict[str, int], r: RecordedResult) -> Row:
    """A result as the driver takes it, in _RESULT_COLUMNS' order."""
    key = _key(keys, r)
    head = (key["monitor_key"], key["at"], key["probe"], VERDICT_CODES[r.verdict])
    tail = (stored_latency(r.latency_ms), r.status_code, r.reliable)
    return head + tail + _phase_values(r.phases)


def _phases_of(row: Any) -> dict[str, float]:
    """A stored result's phases: the row's columns, or (rows written before them) a failure's
    JSON in result_details. "total" is the latency, as the checks report it."""
    if row.phases:
        return dict(row.phases)
    found = {p: float(ms) for p in PHASE_COLUMNS if (ms := getattr(row, f"{p}_ms")) is not None}
    if found and row.latency_ms is not None:
        found["total"] = float(row.latency_ms)
    return found


def _phase_columns() -> list[Any]:
    return [results.c[f"{p}_ms"] for p in PHASE_COLUMNS]


async def read_fold_mark(conn: AsyncConnection) -> int:
    query = select(history_marks.c.value).where(history_marks.c.name == FOLD_MARK)
    return int((await conn.execute(query)).scalar_one_or_none() or 0)


async def write_results(
    conn: AsyncConnection,
    batch: Sequence[RecordedResult],
    now: datetime,
    *,
    fresh: bool = False,
    keys: dict[str, int] | None = None,
) -> list[RecordedResult]:
    """Store a batch. With `fresh` (a probe's upload, which it may retry), a result already
    stored (same monitor, millisecond and probe) is kept once, and the call returns those it
    stored; without, results of one monitor in the same millisecond are kept a millisecond
    apart (two heartbeat pings at once). `keys`: monitor keys known already (see keys_of)."""
    if not batch:
        return []
    if not fresh:
        batch = _apart(batch)
    keys = await keys_of(conn, (r.monitor_id for r in batch), keys)
    rows = [_result_row(keys, r) for r in batch]
    if fresh:
        c = results.c
        statement = _insert_ignoring(conn, results).returning(c.monitor_key, c.at, c.probe)
        named = [dict(zip(_RESULT_COLUMNS, row, strict=True)) for row in rows]
        returned = await conn.execute(statement, named)
        stored = {tuple(row) for row in returned}
        batch = [r for r, row in zip(batch, rows, strict=True) if row[:3] in stored]
    else:
        # Every flush of the recorder: past SQLAlchemy's per-row processing (driver_rows).
        sql = insert_sql(conn.dialect.name, results.name, _RESULT_COLUMNS, "ON CONFLICT DO NOTHING")
        await execute_rows(conn, sql, rows)
    await _write_details(conn, keys, [r for r in batch if _needs_details(r)])
    await _queue_late(conn, keys, batch, now)
    await note_certificates(conn, ((r.monitor_id, r.at, r.certificate) for r in batch))
    return list(batch)


async def _write_details(
    conn: AsyncConnection, keys: dict[str, int], batch: Sequence[RecordedResult]
) -> None:
    if batch:
        rows = [{**_key(keys, r), "error": (r.error or "")[:500] or None} for r in batch]
        await conn.execute(_insert_ignoring(conn, result_details), rows)


async def _queue_late(
    conn: AsyncConnection, keys: dict[str, int], batch: Sequence[RecordedResult], now: datetime
) -> None:
    """Copy for the fold the results its time window may have passed already."""
    mark, late_before = await read_fold_mark(conn), to_ms(now - LATE_AFTER)
    late = [r for r in batch if (at := to_ms(r.at)) <= mark or at < late_before]
    if late:
        rows = [
            {
                **_key(keys, r),
                "verdict": VERDICT_CODES[r.verdict],
                "latency_ms": stored_latency(r.latency_ms),
                "reliable": r.reliable,
            }
            for r in late
        ]
        await conn.execute(_insert_ignoring(conn, results_late), rows)


def _same_result() -> ColumnElement[bool]:
    r, d = results.c, result_details.c
    return and_(d.monitor_key == r.monitor_key, d.at == r.at, d.probe == r.probe)


def _of_monitor(monitor_id: Any) -> ColumnElement[bool]:
    key = select(monitor_keys.c.key).where(monitor_keys.c.monitor_id == monitor_id)
    return results.c.monitor_key == key.scalar_subquery()


async def recent_results(
    conn: AsyncConnection, monitor_id: str, limit: int
) -> list[dict[str, Any]]:
    """The monitor's latest raw results, newest first, as the API shows them."""
    r, d = results.c, result_details.c
    query = (
        select(r.at, r.probe, r.verdict, r.latency_ms, r.status_code, r.reliable, d.error, d.phases)
        .add_columns(*_phase_columns())
        .select_from(results.outerjoin(result_details, _same_result()))
        .where(_of_monitor(monitor_id))
        .order_by(r.at.desc(), r.probe)
        .limit(limit)
    )
    return [
        {
            "at": from_ms(row.at),
            "probe": row.probe or LOCAL,
            "verdict": VERDICTS[row.verdict].value,
            "latency_ms": None if row.latency_ms is None else float(row.latency_ms),
            "status_code": row.status_code,
            "error": row.error,
            "phases": _phases_of(row),
            "reliable": bool(row.reliable),
        }
        for row in await conn.execute(query)
    ]


def latest_error(monitor_id: Any) -> ScalarSelect[Any]:
    """The error of the monitor's newest result (None when it had none), as a subquery;
    `monitor_id` may be a value or a correlated column."""
    r, k = results.c, monitor_keys.c
    return (
        select(result_details.c.error)
        .select_from(
            results.join(monitor_keys, k.key == r.monitor_key).outerjoin(
                result_details, _same_result()
            )
        )
        .where(k.monitor_id == monitor_id)
        .order_by(r.at.desc())
        .limit(1)
        .scalar_subquery()
    )


async def last_error(conn: AsyncConnection, monitor_id: str) -> str | None:
    return (await conn.execute(select(latest_error(monitor_id)))).scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class StoredResult:
    monitor_id: str
    at: datetime
    probe: str
    verdict: Verdict
    latency_ms: float | None
    status_code: int | None
    error: str | None
    phases: dict[str, float]
    reliable: bool


async def stored_results(
    conn: AsyncConnection, monitor_id: str | None = None
) -> list[StoredResult]:
    """Every raw result (of one monitor, or all), oldest first, decoded: for checks and tools
    that read the history whole; the server's own paths read through the functions above."""
    r, d, k = results.c, result_details.c, monitor_keys.c
    query = (
        select(k.monitor_id, r.at, r.probe, r.verdict, r.latency_ms, r.status_code)
        .add_columns(d.error, d.phases, r.reliable, *_phase_columns())
        .select_from(
            results.join(monitor_keys, k.key == r.monitor_key).outerjoin(
                result_details, _same_result()
            )
        )
        .order_by(r.at, k.monitor_id, r.probe)
    )
    if monitor_id is not None:
        query = query.where(k.monitor_id == monitor_id)
    return [
        StoredResult(
            row.monitor_id,
            from_ms(row.at),
            row.probe or LOCAL,
            VERDICTS[row.verdict],
            None if row.latency_ms is None else float(row.latency_ms),
            row.status_code,
            row.error,
            _phases_of(row),
            bool(row.reliable),
        )
        for row in await conn.execute(query)
    ]
