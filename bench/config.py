"""Starting with a large config: reading hiccup.yaml and syncing it into the database.

    .venv/bin/python bench/config.py [--monitors 3000] [--repeat 3]

Writes a config of `--monitors` HTTP monitors (each with two tags) and times, with the
product's code on a fresh SQLite database: `parse_config` (YAML and validation), the first
`sync_config` (every monitor and tag is new) and a second one (nothing changed: what every
restart pays). Baseline, in the same run: the bare cost of storing the same rows — one
executemany INSERT of the monitor rows and one of the tag rows, nothing read or compared.
Medians of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from hiccup.config.load import parse_config
from hiccup.core.clock import SystemClock
from hiccup.core.ids import new_id
from hiccup.store.database import create_engine, migrate
from hiccup.store.sync import sync_config
from hiccup.store.tables import monitors
from hiccup.store.tables_accounts import monitor_tags


def config_text(count: int) -> str:
    lines = ["page: {name: Bench}", "components:", "  - {name: web}", "monitors:"]
    lines += [
        f"  - {{name: m{n}, kind: http, target: 'http://127.0.0.{1 + n % 16}:9/{n}',"
        f" interval: 30s, component: web, tags: [t{n % 7}, eu]}}"
        for n in range(count)
    ]
    return "\n".join(lines) + "\n"


async def one_run(text: str, count: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="hiccup-bench-") as where:
        engine = create_engine(f"sqlite:///{Path(where) / 'h.db'}")
        await migrate(engine)
        started = time.perf_counter()
        config = parse_config(text, Path("hiccup.yaml"))
        figures["parse"] = time.perf_counter() - started
        for label in ("first sync", "second sync"):
            started = time.perf_counter()
            async with engine.begin() as conn:
                await sync_config(conn, config, SystemClock().now())
            figures[label] = time.perf_counter() - started
        await engine.dispose()
    figures["bare insert"] = await bare_insert(count)
    return figures


async def bare_insert(count: int) -> float:
    with tempfile.TemporaryDirectory(prefix="hiccup-bench-") as where:
        engine = create_engine(f"sqlite:///{Path(where) / 'h.db'}")
        await migrate(engine)
        now = SystemClock().now()
        rows = [
            {
                "id": new_id(),
                "key": f"m{n}",
                "name": f"m{n}",
                "kind": "http",
                "target": f"http://127.0.0.{1 + n % 16}:9/{n}",
                "interval_s": 30.0,
                "timeout_s": 10.0,
                "declared": True,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ]
        tags = [{"monitor_id": r["id"], "tag": t} for r in rows for t in ("eu", "t0")]
        started = time.perf_counter()
        async with engine.begin() as conn:
            await conn.execute(monitors.insert(), rows)
            await conn.execute(monitor_tags.insert(), tags)
        elapsed = time.perf_counter() - started
        await engine.dispose()
    return elapsed


async def main(args: argparse.Namespace) -> None:
    text = config_text(args.monitors)
    runs = [await one_run(text, args.monitors) for _ in range(args.repeat)]
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"{args.monitors} monitors, {len(text) / 1024:.0f} KiB of YAML, medians of {args.repeat}")
    for label in ("parse", "first sync", "second sync", "bare insert"):
        print(f"  {label:12s} {median[label] * 1000:8.0f} ms")
    print(
        f"ratio: first sync {median['first sync'] / median['bare insert']:.1f}x the bare insert"
        f" of the same rows; a restart (parse + second sync) takes "
        f"{(median['parse'] + median['second sync']) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--monitors", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
