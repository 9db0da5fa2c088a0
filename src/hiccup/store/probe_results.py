"""Results from probes: stored once however often they are uploaded, handed to the server that
owns their monitor, and the quorum's memory (latest vote and health per monitor and place)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select

from hiccup.checks.base import CheckResult, TimedResult
from hiccup.core.detection import classify
from hiccup.core.monitors import MonitorSpec
from hiccup.core.quorum import ProbeHealth, Report
from hiccup.core.rounds import Votes
from hiccup.core.status import Verdict
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc
from hiccup.store.results import RecordedResult, write_results
from hiccup.store.tables_probes import probe_inbox, probe_votes
from hiccup.store.upsert import upsert_into


@dataclass(frozen=True, slots=True)
class Arrival:
    """One probe result for the owner of its monitor to judge."""

    monitor_id: str
    probe: str
    region: str
    timed: TimedResult


def _recorded(spec: MonitorSpec, probe: str, item: TimedResult) -> RecordedResult:
    result = item.result
    verdict = classify(result.ok, result.latency_ms, spec.policy, degraded=result.degraded)
    return RecordedResult(
        spec.id,
        item.at,
        verdict,
        result.latency_ms,
        result.status_code,
        result.error,
        dict(result.phases) or None,
        probe,
        result.reliable,
        result.certificate,
    )


def _dump(item: TimedResult) -> dict[str, Any]:
    """The inbox's JSON: the same keys as a probe's upload (rows written before still read)."""
    result = item.result
    return {
        "monitor_id": item.monitor_id,
        "at": item.at.isoformat(),
        "ok": result.ok,
        "latency_ms": result.latency_ms,
        "error": result.error,
        "status_code": result.status_code,
        "phases": dict(result.phases),
        "degraded": result.degraded,
        "reliable": result.reliable,
    }


def _load(data: dict[str, Any]) -> TimedResult:
    result = CheckResult(
        ok=bool(data["ok"]),
        latency_ms=data.get("latency_ms"),
        error=data.get("error"),
        status_code=data.get("status_code"),
        phases=dict(data.get("phases") or {}),
        degraded=bool(data.get("degraded", False)),
        reliable=bool(data.get("reliable", True)),
    )
    return TimedResult(str(data["monitor_id"]), datetime.fromisoformat(data["at"]), result)


async def store_uploads(
    conn: AsyncConnection,
    probe: str,
    specs: Mapping[str, MonitorSpec],
    batch: list[TimedResult],
    now: datetime,
) -> list[TimedResult]:
    """Store a probe's results as history; returns those not stored by an earlier upload."""
    known = [item for item in batch if item.monitor_id in specs]
    if not known:
        return []
    stored = await write_results(
        conn, [_recorded(specs[i.monitor_id], probe, i) for i in known], now, fresh=True
    )
    fresh = {(r.monitor_id, r.at) for r in stored}
    return [item for item in known if (item.monitor_id, item.at) in fresh]


async def put_inbox(conn: AsyncConnection, arrivals: Sequence[Arrival], now: datetime) -> None:
    if arrivals:
        rows = [
            {
                "monitor_id": a.monitor_id,
                "probe": a.probe,
                "region": a.region,
                "result": _dump(a.timed),
                "received_at": now,
            }
            for a in arrivals
        ]
        await conn.execute(insert(probe_inbox), rows)


async def take_inbox(
    conn: AsyncConnection, holds: Callable[[str], bool], limit: int = 2000
) -> list[Arrival]:
    """Take out, oldest first, the arrivals for monitors this server owns."""
    query = select(probe_inbox).order_by(probe_inbox.c.id).limit(limit)
    rows = [r for r in (await conn.execute(query)).mappings() if holds(r["monitor_id"])]
    if rows:
        await conn.execute(delete(probe_inbox).where(probe_inbox.c.id.in_([r["id"] for r in rows])))
    return [
        Arrival(r["monitor_id"], r["probe"], r["region"], _load(dict(r["result"]))) for r in rows
    ]


def _vote_row(monitor_id: str, probe: str, region: str, votes: Votes) -> dict[str, Any]:
    report, health = votes.latest[probe], votes.health.get(probe, ProbeHealth())
    return {
        "monitor_id": monitor_id,
        "probe": probe,
        "region": region,
        "verdict": report.verdict.value,
        "at": report.at,
        "latency_ms": report.latency_ms,
        "healthy": health.healthy,
        "reason": health.reason,
        "lonely_streak": health.lonely_streak,
        "agree_streak": health.agree_streak,
    }


async def save_votes(
    conn: AsyncConnection, changed: Iterable[tuple[str, Votes]], regions: Mapping[str, str]
) -> None:
    rows = [
        _vote_row(monitor_id, probe, regions.get(probe, probe), votes)
        for monitor_id, votes in changed
        for probe in votes.latest
    ]
    if not rows:
        return
    statement = upsert_into(conn, probe_votes)
    keep = ("region", "verdict", "at", "latency_ms", "healthy", "reason")
    statement = statement.on_conflict_do_update(
        index_elements=["monitor_id", "probe"],
        set_={k: statement.excluded[k] for k in (*keep, "lonely_streak", "agree_streak")},
    )
    await conn.execute(statement, rows)


async def load_votes(conn: AsyncConnection, monitor_ids: Iterable[str]) -> dict[str, Votes]:
    """The quorum's memory of these monitors, for a server that has just taken them over."""
    ids = list(monitor_ids)
    query = select(probe_votes).where(probe_votes.c.monitor_id.in_(ids))
    latest: dict[str, dict[str, Report]] = {}
    health: dict[str, dict[str, ProbeHealth]] = {}
    for row in (await conn.execute(query)).mappings():
        at = utc(row["at"])
        report = Report(row["probe"], Verdict(row["verdict"]), at, row["latency_ms"])
        latest.setdefault(row["monitor_id"], {})[row["probe"]] = report
        health.setdefault(row["monitor_id"], {})[row["probe"]] = ProbeHealth(
            row["healthy"], row["lonely_streak"], row["agree_streak"], row["reason"]
        )
    return {m: Votes(latest[m], health.get(m, {})) for m in latest}
