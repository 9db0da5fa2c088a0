"""The status service's pass over many transitions at once: N monitors confirmed at the same
moment (a fresh start, where every monitor's first check moves it from unknown to up; or one
network fault taking every monitor down), applied to components and incidents.

    .venv/bin/python bench/status_pass.py [--monitors 1000] [--components 10] [--runs 3]
        [--down] [--batch 200]

Builds a SQLite database in a temporary directory (synchronous=FULL, as `hiccup serve` runs),
syncs a config of N http monitors over C components, records one result per monitor through
the recorder (N transitions), then times `StatusService.process_pending` until every event is
applied: wall time and this process's CPU. The baseline is the recorder's flush that stored
the same N results and transitions, in the same run. `--batch 1` applies each transition in
its own transaction, as the service did before it batched them.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from hiccup.checks.base import CheckResult
from hiccup.config.load import parse_config
from hiccup.core.clock import ManualClock
from hiccup.core.detection import Track
from hiccup.core.reach import REACHED_BEFORE
from hiccup.engine.recorder import Recorder
from hiccup.status.service import BATCH_SIZE, StatusService
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import create_engine, migrate
from hiccup.store.monitors import load_specs, load_tracks
from hiccup.store.sync import sync_config
from hiccup.store.tables import events

START = datetime(2026, 11, 4, 16, 0, tzinfo=UTC)


def config_text(monitors: int, components: int) -> str:
    lines = ["page: {name: Bench}", "components:"]
    lines += [f"  - {{name: c{n}, key: c{n}}}" for n in range(components)]
    lines += ["monitors:"]
    lines += [
        f"  - {{name: m{n}, kind: http, target: 'http://127.0.0.1:9/{n}', "
        f"component: c{n % components}, interval: 1m, failure_threshold: 1}}"
        for n in range(monitors)
    ]
    return "\n".join(lines) + "\n"


async def waiting(engine: AsyncEngine) -> int:
    query = select(func.count()).where(events.c.processed_at.is_(None))
    async with engine.connect() as conn:
        found: int = (await conn.execute(query)).scalar_one()
    return found


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def one_run(
    monitors: int, components: int, ok: bool, batch: int
) -> tuple[float, float, float, float]:
    """(flush wall, flush CPU, pass wall, pass CPU) in seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'hiccup.db'}"
        engine = create_engine(url, synchronous="full")
        await migrate(engine)
        clock = ManualClock(START)
        async with engine.begin() as conn:
            await sync_config(
                conn,
                parse_config(config_text(monitors, components), Path("bench.yaml")),
                clock.now(),
            )
        async with engine.connect() as conn:
            specs = await load_specs(conn)
            tracks: dict[str, Track] = await load_tracks(conn)
        # Monitors that answered before: their trouble is public, as on a running server.
        tracks = {s.id: tracks.get(s.id, Track(reached_for=REACHED_BEFORE)) for s in specs}
        recorder = Recorder(engine, clock, tracks, lambda: None, max_batch=10**9)
        status = StatusService(engine, clock, lambda: None, batch_size=batch)
        error = None if ok else "connection refused"
        for spec in specs:
            recorder.submit(spec, CheckResult(ok=ok, latency_ms=5.0, error=error), clock.now())
        wall0, cpu0 = time.perf_counter(), cpu()
        await recorder.flush()
        wall1, cpu1 = time.perf_counter(), cpu()
        # Until every event is applied: a pass that changed nothing (every monitor's first
        # result, up, leaves an operational component as it was) may have left events waiting.
        while await status.process_pending() or await waiting(engine):
            pass
        wall2, cpu2 = time.perf_counter(), cpu()
        await engine.dispose()
        return wall1 - wall0, cpu1 - cpu0, wall2 - wall1, cpu2 - cpu1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--monitors", type=int, default=1000)
    parser.add_argument("--components", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--down", action="store_true", help="every monitor fails (else: first up)")
    parser.add_argument(
        "--batch", type=int, default=BATCH_SIZE, help="transitions per transaction (1: unbatched)"
    )
    args = parser.parse_args()
    runs = [
        asyncio.run(one_run(args.monitors, args.components, not args.down, args.batch))
        for _ in range(args.runs)
    ]
    what = "down" if args.down else "up (first check)"
    print(
        f"{args.monitors} monitors over {args.components} components, all {what}; "
        f"{args.runs} runs; batches of {args.batch}"
    )
    for label, index in (("recorder flush (baseline)", 0), ("status pass", 2)):
        wall = statistics.median(r[index] for r in runs)
        used = statistics.median(r[index + 1] for r in runs)
        per = used / args.monitors * 1000
        print(f"  {label:26s} wall {wall:7.2f} s  CPU {used:7.2f} s  ({per:.2f} ms/transition)")
    ratio = statistics.median(r[2] for r in runs) / statistics.median(r[0] for r in runs)
    print(f"  ratio: status pass wall = {ratio:.1f} x the flush")


if __name__ == "__main__":
    main()
