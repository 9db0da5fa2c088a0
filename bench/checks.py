"""Checks at scale: N HTTP monitors every 30 s against a loopback target, beside a bare loop.

    .venv/bin/python bench/checks.py 10000 [--duration 90] [--interval 30] [--hosts 16]
                                           [--synchronous normal|full|both]

Three processes: a loopback HTTP target (raw asyncio on uvloop, listening on 127.0.0.1..H so
the per-host limit sees H hosts); Hiccup's scheduler, checks, recorder and history worker on a
real SQLite database (measured); then a bare aiohttp loop making the same requests at the
same rate (the baseline). Each measured process first runs one interval to warm up (every
monitor has started once), then is measured for `--duration` seconds.

`--synchronous both` measures Hiccup twice, with SQLite's `synchronous=NORMAL` then `FULL`
(HICCUP_SQLITE_SYNCHRONOUS), beside one bare loop: what durable commits cost the results path.
The database goes in the system's temporary directory: put that on a real disk.

Targets (DESIGN.md): N = 10,000 within half a core, lateness p99 < 250 ms, RSS < 400 MB, CPU
per check within 2x of the bare loop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import uvloop

from hiccup.checks.base import CheckResult
from hiccup.checks.registry import CheckSet
from hiccup.core.clock import SystemClock
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.recorder import Recorder
from hiccup.engine.rollups import HistorySettings, HistoryWorker
from hiccup.engine.scheduler import Scheduler, jitter_offset
from hiccup.store.database import create_engine, migrate
from hiccup.store.tables import monitors

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nWelcome"


@dataclass
class Figures:
    checks: int = 0
    failed: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    lateness_ms: tuple[float, float, float] = (0.0, 0.0, 0.0)  # p50, p99, max
    rss_peak_mb: float = 0.0
    unreliable: int = 0
    behind: int = 0  # slots skipped: the previous run was still waiting for a free slot
    stored: int = 0

    @property
    def per_second(self) -> float:
        return self.checks / self.seconds

    @property
    def cores(self) -> float:
        return self.cpu_seconds / self.seconds

    @property
    def cpu_us_per_check(self) -> float:
        return self.cpu_seconds / max(1, self.checks) * 1e6


def quantiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples) or [0.0]

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return at(0.5), at(0.99), ordered[-1]


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def targets(count: int, hosts: int, port: int) -> list[str]:
    return [f"http://127.0.0.{1 + n % hosts}:{port}/m{n}" for n in range(count)]


# --- the loopback target ---------------------------------------------------------------------


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(RESPONSE)
        await writer.drain()
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def serve_target(hosts: int, port: int) -> None:
    servers = [
        await asyncio.start_server(_answer, f"127.0.0.{1 + h}", port, backlog=4096)
        for h in range(hosts)
    ]
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


# --- Hiccup, measured ------------------------------------------------------------------------


async def _create_monitors(url: str, urls: list[str], interval: float) -> list[MonitorSpec]:
    engine = create_engine(url)
    await migrate(engine)
    now = SystemClock().now()
    rows = [
        {
            "id": f"b{n:011d}",
            "key": f"bench-{n}",
            "name": f"bench {n}",
            "kind": "http",
            "target": target,
            "interval_s": interval,
            "timeout_s": 10.0,
            "created_at": now,
            "updated_at": now,
        }
        for n, target in enumerate(urls)
    ]
    async with engine.begin() as conn:
        await conn.execute(monitors.insert(), rows)
    await engine.dispose()
    every, timeout = timedelta(seconds=interval), timedelta(seconds=10)
    return [
        MonitorSpec(f"b{n:011d}", f"bench {n}", "http", target, every, timeout)
        for n, target in enumerate(urls)
    ]


class Counter:
    def __init__(self) -> None:
        self.checks = self.failed = 0

    def wrap(self, sink: Callable[[MonitorSpec, CheckResult, Any], None]) -> Any:
        def counted(spec: MonitorSpec, result: CheckResult, started_at: Any) -> None:
            self.checks += 1
            self.failed += not result.ok
            sink(spec, result, started_at)

        return counted


async def run_hiccup(
    count: int, interval: float, duration: float, hosts: int, port: int
) -> Figures:
    with tempfile.TemporaryDirectory(prefix="hiccup-bench-") as where:
        url = f"sqlite:///{Path(where) / 'hiccup.db'}"
        specs = await _create_monitors(url, targets(count, hosts, port), interval)
        engine, clock, checks, counter = create_engine(url), SystemClock(), CheckSet(), Counter()
        recorder = Recorder(engine, clock, {}, lambda: None)
        samples = int(count * (interval + duration) / interval) + 1000
        scheduler = Scheduler(checks.run, counter.wrap(recorder.submit), lateness_samples=samples)
        scheduler.set_monitors(specs)
        history = HistoryWorker(engine, clock, HistorySettings(every=60))
        tasks = [asyncio.create_task(w) for w in (recorder.run(), scheduler.run(), history.run())]
        figures = await _measure(interval, duration, counter, scheduler.lateness_ms)
        figures.unreliable = scheduler.unreliable_runs
        figures.behind = scheduler.behind_slots
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await recorder.flush()
        await checks.close()
        async with engine.connect() as conn:
            figures.stored = (
                await conn.exec_driver_sql("SELECT count(*) FROM results")
            ).scalar_one()
        await engine.dispose()
        return figures


async def _measure(
    interval: float, duration: float, counter: Any, lateness: Callable[[], list[float]]
) -> Figures:
    await asyncio.sleep(interval + 1)  # warm-up: every monitor has run once
    seen, checks0, failed0 = len(lateness()), counter.checks, counter.failed
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.sleep(duration)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return Figures(
        checks=counter.checks - checks0,
        failed=counter.failed - failed0,
        seconds=wall,
        cpu_seconds=cpu,
        lateness_ms=quantiles(lateness()[seen:]),
        rss_peak_mb=peak_rss_mb(),
    )


# --- the baseline: a bare aiohttp loop ------------------------------------------------------


class BareLoop:
    """Each "monitor" is a task that sleeps to its slot and makes one request, nothing more."""

    def __init__(self) -> None:
        self.checks = self.failed = 0
        self.lateness: list[float] = []

    async def monitor(
        self, session: aiohttp.ClientSession, url: str, first: float, interval: float
    ) -> None:
        slot = first
        while True:
            await asyncio.sleep(max(0.0, slot - time.monotonic()))
            self.lateness.append((time.monotonic() - slot) * 1000)
            try:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
                    await response.read()
                    self.failed += response.status != 200
            except (aiohttp.ClientError, TimeoutError):
                self.failed += 1
            self.checks += 1
            slot += interval


async def run_bare(count: int, interval: float, duration: float, hosts: int, port: int) -> Figures:
    loop = BareLoop()
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.monotonic()
        tasks = [
            asyncio.create_task(
                loop.monitor(session, url, start + jitter_offset(f"b{n:011d}", interval), interval)
            )
            for n, url in enumerate(targets(count, hosts, port))
        ]
        figures = await _measure(interval, duration, loop, lambda: loop.lateness)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return figures


# --- orchestration ---------------------------------------------------------------------------


def _child(role: str, args: argparse.Namespace, synchronous: str = "normal") -> Figures:
    command = [sys.executable, __file__, "--role", role, str(args.n)]
    command += ["--interval", str(args.interval), "--duration", str(args.duration)]
    command += ["--hosts", str(args.hosts), "--port", str(args.port)]
    env = {**os.environ, "HICCUP_SQLITE_SYNCHRONOUS": synchronous}
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    data = json.loads(done.stdout.strip().splitlines()[-1])
    data["lateness_ms"] = tuple(data["lateness_ms"])
    return Figures(**data)


def _row(name: str, f: Figures) -> str:
    p50, p99, worst = f.lateness_ms
    return (
        f"{name:10s} {f.per_second:9.1f} {f.cores:7.3f} {f.cpu_us_per_check:9.0f} "
        f"{p50:8.1f} {p99:8.1f} {worst:8.1f} {f.rss_peak_mb:8.1f} {f.failed:7d}"
    )


def report_levels(args: argparse.Namespace, levels: dict[str, Figures], bare: Figures) -> None:
    print(f"\nSQLite synchronous levels, {args.n} monitors every {args.interval:g} s")
    print(f"{'':14s} {'checks/s':>9s} {'cores':>7s} {'µs/check':>9s} {'stored':>8s}")
    for level, f in levels.items():
        print(
            f"hiccup {level:7s} {f.per_second:9.1f} {f.cores:7.3f} "
            f"{f.cpu_us_per_check:9.0f} {f.stored:8d}"
        )
    print(
        f"{'bare loop':14s} {bare.per_second:9.1f} {bare.cores:7.3f} {bare.cpu_us_per_check:9.0f}"
    )
    for level, f in levels.items():
        print(
            f"{level}: CPU per check {f.cpu_us_per_check / bare.cpu_us_per_check:.2f}x "
            "the bare loop"
        )


def report(args: argparse.Namespace, hiccup: Figures, bare: Figures) -> None:
    print(
        f"\n{args.n} monitors every {args.interval:g} s, {args.hosts} loopback hosts, "
        f"measured {args.duration:g} s after {args.interval:g} s of warm-up"
    )
    print(
        f"{'':10s} {'checks/s':>9s} {'cores':>7s} {'µs/check':>9s} "
        f"{'late p50':>8s} {'late p99':>8s} {'late max':>8s} {'RSS MB':>8s} {'failed':>7s}"
    )
    print(_row("hiccup", hiccup))
    print(_row("bare loop", bare))
    print(
        f"ratio: CPU per check {hiccup.cpu_us_per_check / bare.cpu_us_per_check:.2f}x the bare "
        f"loop (target < 2x); cores {hiccup.cores:.3f} (target < 0.5); lateness p99 "
        f"{hiccup.lateness_ms[1]:.0f} ms (target < 250); RSS {hiccup.rss_peak_mb:.0f} MB "
        f"(target < 400)"
    )
    print(f"hiccup stored {hiccup.stored} results; {hiccup.unreliable} marked unreliable")
    due = args.n / args.interval
    print(
        f"due {due:.0f} checks/s: hiccup did {hiccup.per_second / due:.2f} of them, the bare "
        f"loop {bare.per_second / due:.2f}; {hiccup.behind} slots skipped (previous run still "
        "waiting for a slot)"
    )


def _target(args: argparse.Namespace) -> subprocess.Popen[str]:
    command = [sys.executable, __file__, "--role", "target", "0"]
    command += ["--hosts", str(args.hosts), "--port", str(args.port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        raise RuntimeError("the loopback target did not start")
    return process


def _role(args: argparse.Namespace) -> None:
    uvloop.install()  # as uvicorn runs Hiccup
    if args.role == "target":
        asyncio.run(serve_target(args.hosts, args.port))
        return
    run = run_hiccup if args.role == "hiccup" else run_bare
    figures = asyncio.run(run(args.n, args.interval, args.duration, args.hosts, args.port))
    print(json.dumps(asdict(figures)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of monitors")
    parser.add_argument("--duration", type=float, default=90.0, help="measured seconds")
    parser.add_argument("--interval", type=float, default=30.0)
    parser.add_argument("--hosts", type=int, default=16)
    parser.add_argument("--port", type=int, default=18_080)
    parser.add_argument("--role", choices=["target", "hiccup", "bare"], default=None)
    parser.add_argument("--synchronous", choices=["normal", "full", "both"], default="normal")
    args = parser.parse_args()
    if args.role is not None:
        _role(args)
        return
    levels = ["normal", "full"] if args.synchronous == "both" else [args.synchronous]
    target = _target(args)
    try:
        measured = {level: _child("hiccup", args, level) for level in levels}
        bare = _child("bare", args)
    finally:
        target.terminate()
        target.wait()
    for hiccup in measured.values():
        report(args, hiccup, bare)
    if len(measured) > 1:
        report_levels(args, measured, bare)


if __name__ == "__main__":
    main()
