"""Probes and servers on this machine: checks/s with 1, 2 and 3 probe processes, and how long
a killed server's monitors go unchecked.

    .venv/bin/python bench/cluster.py [--monitors 600] [--duration 20] [--lease 5]

Everything runs as real processes on loopback against a throwaway PostgreSQL: the raw asyncio
target of bench/checks.py, `hiccup serve` and `hiccup probe`. Throughput: each probe process
runs its own region's `--monitors` HTTP monitors every second; checks/s is the rate of probe
results the server stores per second over `--duration` seconds after a warm-up. Baseline: one server
running the same monitors itself (`probes: [local]`). Failover: two servers share 200
monitors through leases; one is SIGKILLed; the figure is the time until the last of its
monitors is checked again by the other, beside the lease time it is bounded by.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.postgres import free_port, running_server  # noqa: E402

from hiccup.config.load import parse_config  # noqa: E402
from hiccup.core.clock import SystemClock  # noqa: E402
from hiccup.server.runtime import Hiccup  # noqa: E402
from hiccup.store.database import create_engine  # noqa: E402
from hiccup.store.probes import add_probe  # noqa: E402
from hiccup.store.results import from_ms, to_ms  # noqa: E402
from hiccup.store.tables_cluster import monitor_leases  # noqa: E402
from hiccup.store.tables_results import monitor_keys, results  # noqa: E402

HICCUP = [sys.executable, "-m", "hiccup"]
HOSTS = 16


def monitors_yaml(places: list[str], count: int, port: int) -> str:
    lines = []
    for place in places:
        for n in range(count):
            target = f"http://127.0.0.{1 + n % HOSTS}:{port}/{place}/{n}"
            lines.append(
                f"  - {{name: {place}-{n}, kind: http, target: '{target}', interval: 1s,"
                f" timeout: 5s, probes: [{place}]}}"
            )
    return "page: {name: Bench}\nmonitors:\n" + "\n".join(lines) + "\n"


async def fresh_database(server_url: str) -> str:
    url = make_url(server_url)
    name = f"bench_{int(time.time() * 1000)}"
    conn = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database=url.database
    )
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url.set(database=name).render_as_string(hide_password=False)


async def prepare(url: str, text: str, workdir: Path, probes: list[str]) -> dict[str, str]:
    (workdir / "hiccup.yaml").write_text(text)
    engine = create_engine(url)
    try:
        await Hiccup(engine, parse_config(text, workdir / "hiccup.yaml")).prepare()
        async with engine.begin() as conn:
            now = SystemClock().now()
            return {p: await add_probe(conn, f"{p}-probe", now) for p in probes}
    finally:
        await engine.dispose()


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(command, env={**os.environ, **env}, stdout=out, stderr=out)


def serve(url: str, workdir: Path, name: str, lease: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        "HICCUP_DATABASE_URL": url,
        "HICCUP_SECRET_KEY": "bench",
        "HICCUP_DATA_DIR": str(workdir / name),
        "HICCUP_LEASE_SECONDS": str(lease),
    }
    command = [*HICCUP, "serve", "--config", str(workdir / "hiccup.yaml"), "--port", str(port)]
    return spawn(command, env, workdir / f"{name}.log"), f"http://127.0.0.1:{port}"


async def ready(base: str, seconds: float = 120) -> None:
    async with httpx.AsyncClient() as client, asyncio.timeout(seconds):
        while True:
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)


async def stored(url: str, remote: bool) -> int:
    """Results stored so far (counted, not dated: an overloaded process falls behind its
    schedule, and what counts is how many checks it gets done per second)."""
    engine = create_engine(url)
    try:
        probe = results.c.probe != "" if remote else results.c.probe == ""  # "": local
        async with engine.connect() as conn:
            return int((await conn.execute(select(func.count()).where(probe))).scalar() or 0)
    finally:
        await engine.dispose()


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


async def measure(url: str, args: argparse.Namespace, remote: bool) -> float:
    await asyncio.sleep(args.warmup)
    before, start = await stored(url, remote), time.monotonic()
    await asyncio.sleep(args.duration)
    after, end = await stored(url, remote), time.monotonic()
    return (after - before) / (end - start)


async def probe_run(server: str, count: int, args: argparse.Namespace, workdir: Path) -> float:
    regions = [f"r{n}" for n in range(1, count + 1)]
    url = await fresh_database(server)
    tokens = await prepare(url, monitors_yaml(regions, args.monitors, args.port), workdir, regions)
    process, base = serve(url, workdir, f"server-p{count}", args.lease)
    children = [process]
    try:
        await ready(base)
        for region in regions:
            command = [*HICCUP, "probe", "--server", base, "--region", region]
            command += ["--buffer", str(workdir / f"buffer-{count}-{region}")]
            env = {"HICCUP_PROBE_TOKEN": tokens[region]}
            children.append(spawn(command, env, workdir / f"probe-{count}-{region}.log"))
        return await measure(url, args, remote=True)
    finally:
        stop(children)


async def local_run(server: str, count: int, args: argparse.Namespace, workdir: Path) -> float:
    url = await fresh_database(server)
    text = monitors_yaml(["local"], args.monitors * count, args.port)
    await prepare(url, text, workdir, [])
    process, base = serve(url, workdir, f"server-l{count}", args.lease)
    try:
        await ready(base)
        return await measure(url, args, remote=False)
    finally:
        stop([process])


async def first_checks_after(url: str, ids: list[str], since: datetime) -> dict[str, datetime]:
    engine = create_engine(url)
    k = monitor_keys.c
    query = (
        select(k.monitor_id, func.min(results.c.at))
        .join_from(results, monitor_keys, k.key == results.c.monitor_key)
        .where(k.monitor_id.in_(ids), results.c.at > to_ms(since))
        .group_by(k.monitor_id)
    )
    try:
        async with engine.connect() as conn:
            return {m: from_ms(at) for m, at in await conn.execute(query)}
    finally:
        await engine.dispose()


async def held_by_each(url: str) -> dict[str, list[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(monitor_leases.c.holder, monitor_leases.c.monitor_id))
            held: dict[str, list[str]] = {}
            for holder, monitor_id in rows:
                held.setdefault(holder or "", []).append(monitor_id)
            return held
    finally:
        await engine.dispose()


async def failover_run(server: str, args: argparse.Namespace, workdir: Path) -> list[float]:
    url = await fresh_database(server)
    await prepare(url, monitors_yaml(["local"], 200, args.port), workdir, [])
    first, base_a = serve(url, workdir, "server-a", args.lease)
    second, base_b = serve(url, workdir, "server-b", args.lease)
    try:
        await ready(base_a)
        await ready(base_b)
        await asyncio.sleep(args.lease * 3)  # both hold their share
        held = await held_by_each(url)
        victim = max((h for h in held if str(first.pid) in h), key=lambda h: len(held[h]))
        ids = held[victim]
        killed_at = SystemClock().now()
        first.send_signal(signal.SIGKILL)
        first.wait()
        await asyncio.sleep(args.lease * 3)
        found = await first_checks_after(url, ids, killed_at)
        missing = len(ids) - len(found)
        if missing:
            print(f"  {missing} of {len(ids)} monitors not checked again within {args.lease * 3} s")
        print(f"  server A held {len(ids)} of 200 monitors when it was killed")
        return sorted((at - killed_at).total_seconds() for at in found.values())
    finally:
        stop([first, second])


def start_target(port: int) -> subprocess.Popen[str]:
    command = [sys.executable, str(ROOT / "bench" / "checks.py"), "--role", "target", "0"]
    command += ["--hosts", str(HOSTS), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        raise RuntimeError("the loopback target did not start")
    return process


@contextmanager
def target(port: int) -> Iterator[None]:
    process = start_target(port)
    try:
        yield
    finally:
        process.terminate()
        process.wait()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="hiccup-cluster-") as where, running_server() as pg:
        workdir = Path(where)
        with target(args.port):
            print(f"{args.monitors} monitors per probe at 1 s; {args.duration:.0f} s measured")
            print("probes  checks/s  demanded  local server, same monitors  ratio")
            for count in (1, 2, 3):
                remote = await probe_run(pg, count, args, workdir)
                local = await local_run(pg, count, args, workdir)
                demanded = count * args.monitors
                print(
                    f"{count:>6}  {remote:>8.0f}  {demanded:>8}  {local:>27.0f}  "
                    f"{remote / local if local else float('nan'):>5.2f}",
                    flush=True,
                )
            print(f"failover after SIGKILL, lease {args.lease:.0f} s, 200 monitors at 1 s:")
            delays = await failover_run(pg, args, workdir)
        if delays:
            median, worst = statistics.median(delays), delays[-1]
            print(
                f"  first check again: median {median:.1f} s, last {worst:.1f} s "
                f"(lease {args.lease:.0f} s; last / lease = {worst / args.lease:.2f})"
            )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--monitors", type=int, default=600, help="monitors per probe")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--lease", type=float, default=5.0)
    parser.add_argument("--port", type=int, default=18_090)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
