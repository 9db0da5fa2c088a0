"""What SQLite's `synchronous=FULL` costs an operator's write, beside `NORMAL`.

    .venv/bin/python bench/durability.py [--posts 200] [--rounds 3] [--dir .]

For each level, a real `hiccup serve` (granian, SQLite in WAL mode on the disk under `--dir`,
HICCUP_SQLITE_SYNCHRONOUS set) answers `--posts` POST /api/v1/incidents one after another;
each is timed from send to answer. Beside it, in the same run and on the same disk, a bare
sqlite3 loop makes the same number of commits of one ~1 KB row each at that level: what the
fsync alone costs. Levels alternate for `--rounds` rounds; figures are medians over the rounds.
Put `--dir` on the disk the database will live on: on tmpfs an fsync is free.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from hiccup.auth.passwords import hash_password
from hiccup.auth.roles import Role, Scope
from hiccup.core.clock import SystemClock
from hiccup.store import accounts, api_tokens
from hiccup.store.database import Synchronous, create_engine, migrate

LEVELS: tuple[Synchronous, ...] = ("normal", "full")
CONFIG = "page: {name: Bench Hosting}\ncomponents: [{name: flexo, key: flexo}]\n"
INCIDENT = {
    "name": "Flexo unreachable",
    "impact": "major",
    "status": "investigating",
    "message": "Flexo does not answer; we are looking into it. " * 10,
    "components": [],
    "notify": False,
}


async def _seed(url: str) -> str:
    engine = create_engine(url)
    try:
        await migrate(engine)
        now = SystemClock().now()
        async with engine.begin() as conn:
            owner = await accounts.create_user(
                conn, "olga", Role.OWNER, await hash_password("bench-password"), now
            )
            _, token = await api_tokens.create_token(conn, owner, "bench", [Scope.ADMIN], now)
        return token
    finally:
        await engine.dispose()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("hiccup serve exited")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("hiccup serve did not come up")


def server_posts(level: Synchronous, posts: int, where: Path) -> list[float]:
    """Milliseconds per POST /api/v1/incidents on a real server at this level."""
    data = where / f"server-{level}"
    data.mkdir()
    (data / "hiccup.yaml").write_text(CONFIG)
    token = asyncio.run(_seed(f"sqlite:///{data / 'hiccup.db'}"))
    port = _free_port()
    env = {**os.environ, "HICCUP_DATA_DIR": str(data), "HICCUP_SQLITE_SYNCHRONOUS": level}
    env.pop("HICCUP_DATABASE_URL", None)
    command = [sys.executable, "-m", "hiccup", "serve", "--port", str(port)]
    with subprocess.Popen(
        command, cwd=data, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as process:
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, process)
            headers = {"authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                for _ in range(5):  # warm-up: connections, caches, first snapshot
                    client.post("/api/v1/incidents", json=INCIDENT).raise_for_status()
                return [_timed_post(client) for _ in range(posts)]
        finally:
            process.terminate()
            process.wait(timeout=30)


def _timed_post(client: httpx.Client) -> float:
    start = time.perf_counter()
    client.post("/api/v1/incidents", json=INCIDENT).raise_for_status()
    return (time.perf_counter() - start) * 1000


def bare_commits(level: Synchronous, commits: int, where: Path) -> list[float]:
    """Milliseconds per commit of one ~1 KB row, plain sqlite3, WAL, at this level."""
    path = where / f"bare-{level}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={level.upper()}")
        conn.execute("CREATE TABLE incidents (id INTEGER PRIMARY KEY, body TEXT)")
        body = INCIDENT["message"]
        timings = []
        for _ in range(commits):
            start = time.perf_counter()
            conn.execute("BEGIN")
            conn.execute("INSERT INTO incidents (body) VALUES (?)", (body,))
            conn.execute("COMMIT")
            timings.append((time.perf_counter() - start) * 1000)
        return timings
    finally:
        conn.close()
        path.unlink()


def _row(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p50, p99 = statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"{name:24s} {p50:9.2f} {p99:9.2f} {statistics.fmean(ordered):9.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path.cwd(), help="on the database's disk")
    args = parser.parse_args()
    server: dict[str, list[float]] = {level: [] for level in LEVELS}
    bare: dict[str, list[float]] = {level: [] for level in LEVELS}
    for _ in range(args.rounds):
        for level in LEVELS:
            with tempfile.TemporaryDirectory(prefix="hiccup-durability-", dir=args.dir) as tmp:
                server[level] += server_posts(level, args.posts, Path(tmp))
                bare[level] += bare_commits(level, args.posts, Path(tmp))
    print(f"\n{args.posts} incident posts x {args.rounds} rounds per level, disk of {args.dir}")
    print(f"{'ms':24s} {'p50':>9s} {'p99':>9s} {'mean':>9s}")
    for level in LEVELS:
        print(_row(f"hiccup POST ({level})", server[level]))
        print(_row(f"bare commit ({level})", bare[level]))
    for name, figures in (("hiccup POST", server), ("bare commit", bare)):
        full, normal = statistics.median(figures["full"]), statistics.median(figures["normal"])
        print(
            f"{name}: FULL costs {full - normal:+.2f} ms per write at the median "
            f"({full / normal:.2f}x NORMAL)"
        )


if __name__ == "__main__":
    main()
