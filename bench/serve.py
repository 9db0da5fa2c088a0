"""The whole `hiccup serve` as users run it: CPU per check, idle cost, RSS, bytes per check.

    .venv/bin/python bench/serve.py 1000 [--interval 20] [--duration 60] [--windows 3] [--together]
    .venv/bin/python bench/serve.py 0 --duration 60            # idle: no monitors at all
    .venv/bin/python bench/serve.py --detect [--interval 20] [--trials 3]

Starts a loopback target (Debian's nginx, one worker, when installed; else a small aiohttp
server in its own process), then `python -m hiccup serve` (granian, web server, scheduler,
recorder, status service, snapshot builder, every worker) with N HTTP monitors at `--interval`
on a fresh SQLite data directory. After one interval of warm-up (every monitor has run), it
reads the server's CPU (utime + stime of every thread, /proc/<pid>/stat), its checks (rows in
`results`) and the database files' size over `--windows` consecutive windows, and prints the
median. Then two bare loops making the same requests at the same rate, each in its own process,
are measured likewise in the same run: aiohttp, and libcurl's multi interface on the asyncio
loop (the client Hiccup's http check uses): the baselines for the ratios. They start their
requests on ticks as long as the scheduler's (engine.scheduler.launch_time), a third of a tick
apart from Hiccup's and each other's, so the ratio is Hiccup's own work, not a difference in
how often the process wakes. With --together the
bare loops run beside Hiccup and all three are measured over the same windows, so a load
that comes and goes on a shared machine weighs on each alike (each still has its own process;
the loopback target serves three times the checks).

--detect: one monitor with default settings but for `--interval` against the aiohttp target;
at a random moment of the monitor's cycle the target turns 503 (then, next trial, starts
hanging); the time until the page's components.json says major_outage is the time to "down".
A blip (one 503) must never bring it down.

Targets (DESIGN.md, issue #18): CPU per check <= 0.35 ms at 1,000 / 20 s, <= 0.3 ms at
10,000 / 30 s, <= 0.8 x the bare loop; idle < 0.2 % of a core; RSS <= 120 MB at 1,000;
a real outage down within interval + 10 s, no false alarm on a blip.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location / {{ return 200 "Welcome"; }}
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    # Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / float(TICK)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_ok(url: str, seconds: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}) before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not come up within {seconds:.0f} s")


# --- targets ---------------------------------------------------------------------------------


@contextmanager
def nginx_target(tmp: Path, port: int) -> Iterator[str]:
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / name).mkdir(exist_ok=True)
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port))
    process = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(tmp)])
    try:
        wait_ok(f"http://127.0.0.1:{port}/", 10)
        yield "nginx"
    finally:
        process.send_signal(signal.SIGQUIT)
        process.wait(timeout=10)


@contextmanager
def aiohttp_target(port: int) -> Iterator[str]:
    command = [sys.executable, __file__, "--role", "target", "--port", str(port), "0"]
    process = subprocess.Popen(command)
    try:
        wait_ok(f"http://127.0.0.1:{port}/", 10)
        yield "aiohttp"
    finally:
        process.terminate()
        process.wait(timeout=10)


def serve_target(port: int) -> None:
    """200 "Welcome"; GET /_mode/<ok|503|hang|blip> turns every later answer (blip: one 503)."""
    from aiohttp import web

    mode = {"now": "ok"}

    async def answer(request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/_mode/"):
            mode["now"] = request.path.rsplit("/", 1)[1]
            return web.Response(text=mode["now"])
        now = mode["now"]
        if now == "blip":
            mode["now"] = "ok"
        if now in ("503", "blip"):
            return web.Response(status=503, text="Service Unavailable")
        if now == "hang":
            await asyncio.sleep(3600)
        return web.Response(text="Welcome")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    # Hung requests must not hold up the exit.
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None, shutdown_timeout=0.5)


# --- Hiccup, as users run it -----------------------------------------------------------------


def write_config(tmp: Path, count: int, interval: float, base: str) -> Path:
    lines = ["page:", "  name: Bench", "components:", "  - name: Web", "    key: web"]
    lines += ["monitors:" if count else "monitors: []"]
    for n in range(count):
        lines += [f"  - name: m{n}", "    kind: http", f"    target: {base}/m{n}"]
        lines += [f"    interval: {interval:g}s", "    component: web"]
    path = tmp / "hiccup.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


@contextmanager
def hiccup_server(tmp: Path, config: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    data = tmp / "data"
    env = {**os.environ, "HICCUP_DATA_DIR": str(data)}
    command = [sys.executable, "-m", "hiccup", "serve", "--config", str(config)]
    command += ["--port", str(port)]
    with (tmp / "hiccup.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_ok(f"http://127.0.0.1:{port}/healthz", 600, process)
            yield process
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)


def started_within(data: Path, windows: list[Window]) -> list[Window]:
    """The windows with Hiccup's checks counted by their start time, read once every result of
    the last window is stored. Rows counted as they land miscount: the recorder writes every
    2 s, so a 20 s window holds 18 to 22 s of results, and the flushes' drift biased the
    median of three such counts low by about 4 % at 10,000 monitors."""
    time.sleep(3)  # past the recorder's flush interval
    counted = []
    with sqlite3.connect(f"file:{data / 'hiccup.db'}?mode=ro", uri=True, timeout=30) as db:
        for w in windows:
            lo, hi = round(w.started * 1000), round((w.started + w.seconds) * 1000)
            query = "SELECT count(*) FROM results WHERE at >= ? AND at < ?"
            (checks,) = db.execute(query, (lo, hi)).fetchone()
            counted.append(replace(w, checks=int(checks)))
    return counted


def stored(data: Path) -> tuple[int, int]:
    """(results rows, bytes of the database's pages in use); read-only, beside the running
    server. Pages in use, not the files' size: the migrations leave free pages that the first
    results fill without the file growing, and the WAL file is reused once checkpointed."""
    with sqlite3.connect(f"file:{data / 'hiccup.db'}?mode=ro", uri=True, timeout=30) as db:
        rows: int = db.execute("SELECT count(*) FROM results").fetchone()[0]
        (pages,), (free,), (page_size,) = (
            db.execute(f"PRAGMA {name}").fetchone()
            for name in ("page_count", "freelist_count", "page_size")
        )
    return rows, (pages - free) * page_size


@dataclass(frozen=True)
class Window:
    seconds: float
    cpu: float
    checks: int
    bytes: int
    started: float = 0.0  # wall clock (epoch seconds), to count Hiccup's results by start time

    @property
    def core_percent(self) -> float:
        return self.cpu / self.seconds * 100

    @property
    def ms_per_check(self) -> float:
        return self.cpu / self.checks * 1000 if self.checks else float("nan")

    @property
    def bytes_per_check(self) -> float:
        return self.bytes / self.checks if self.checks else float("nan")


@dataclass(frozen=True)
class Figures:
    name: str
    windows: list[Window]
    rss_mb: float

    def median(self, attribute: str) -> float:
        return float(statistics.median(getattr(w, attribute) for w in self.windows))


Counter = Iterator[tuple[int, int]]


def measure(pid: int, count: Counter, seconds: float, windows: int) -> list[Window]:
    return measure_together([(pid, count)], seconds, windows)[0]


def measure_together(
    processes: list[tuple[int, Counter]], seconds: float, windows: int
) -> list[list[Window]]:
    """Each process's windows, all over the same stretches of time."""
    out: list[list[Window]] = [[] for _ in processes]
    last = [next(count) for _, count in processes]
    for _ in range(windows):
        cpu0, wall0 = [cpu_seconds(pid) for pid, _ in processes], time.monotonic()
        started = time.time()
        time.sleep(seconds / windows)
        cpu, wall = [cpu_seconds(pid) for pid, _ in processes], time.monotonic() - wall0
        for n, (_, count) in enumerate(processes):
            (checks0, bytes0), (checks, size) = last[n], next(count)
            window = Window(wall, cpu[n] - cpu0[n], checks - checks0, size - bytes0, started)
            out[n].append(window)
            last[n] = (checks, size)
    return out


def _counting(read: object) -> Iterator[tuple[int, int]]:
    while True:
        yield read()  # type: ignore[operator]


def run_hiccup(args: argparse.Namespace, tmp: Path, base: str) -> Figures:
    config = write_config(tmp, args.n, args.interval, base)
    with hiccup_server(tmp, config, free_port()) as process:
        # Warm-up: every monitor has run once, and the status service has taken in the first
        # transition of each (unknown -> up), a start-up cost rather than a per-check one.
        time.sleep(args.warmup or args.interval + 2)
        counter = _counting(lambda: stored(tmp / "data"))
        windows = measure(process.pid, counter, args.duration, args.windows)
        windows = started_within(tmp / "data", windows)
        return Figures("hiccup", windows, rss_mb(process.pid))


# --- the baseline: a bare aiohttp loop in its own process -------------------------------------


@contextmanager
def bare_process(
    args: argparse.Namespace, tmp: Path, base: str, client: str
) -> Iterator[tuple[subprocess.Popen[bytes], Counter]]:
    progress = tmp / f"bare-{client}.count"
    command = [sys.executable, __file__, "--role", f"bare-{client}", str(args.n)]
    command += ["--interval", str(args.interval), "--base", base, "--progress", str(progress)]
    process = subprocess.Popen(command)

    def read() -> tuple[int, int]:
        return int(progress.read_text() or 0) if progress.exists() else 0, 0

    try:
        yield process, _counting(read)
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_bare(args: argparse.Namespace, tmp: Path, base: str, client: str) -> Figures:
    with bare_process(args, tmp, base, client) as (process, counter):
        time.sleep(args.interval + 2)
        windows = measure(process.pid, counter, args.duration, args.windows)
        return Figures(f"bare {client}", windows, rss_mb(process.pid))


def run_together(args: argparse.Namespace, tmp: Path, base: str) -> list[Figures]:
    """Hiccup and the bare loops at once, measured over the same windows: on a shared machine
    whose load comes and goes, the ratios then compare like with like."""
    config = write_config(tmp, args.n, args.interval, base)
    names = ["hiccup", "bare aiohttp", "bare curl"]
    with (
        bare_process(args, tmp, base, "aiohttp") as aiohttp_loop,
        bare_process(args, tmp, base, "curl") as curl_loop,
        hiccup_server(tmp, config, free_port()) as process,
    ):
        time.sleep(args.warmup or args.interval + 2)
        hiccup = (process.pid, _counting(lambda: stored(tmp / "data")))
        loops = [(p.pid, counter) for p, counter in (aiohttp_loop, curl_loop)]
        windows = measure_together([hiccup, *loops], args.duration, args.windows)
        windows[0] = started_within(tmp / "data", windows[0])
        pids = [process.pid, aiohttp_loop[0].pid, curl_loop[0].pid]
        return [Figures(n, w, rss_mb(pid)) for n, w, pid in zip(names, windows, pids, strict=True)]


def bare_launch(slot: float, phase: float) -> float:
    """When a bare loop starts the request of `slot`: on ticks as long as the scheduler's
    (engine.scheduler.launch_time), shifted by `phase` of a tick. With --together the three
    processes would otherwise burst at the same instants, and each would be charged some of the
    others' loopback packet work (the kernel bills it to whichever process is running)."""
    from hiccup.engine.scheduler import TICK_SECONDS, launch_time

    shift = phase * TICK_SECONDS
    return launch_time(slot - shift) + shift


async def bare_loop(count: int, interval: float, base: str, progress: Path) -> None:
    """Each "monitor" sleeps to its slot and makes one request on a fresh connection (as
    Hiccup's check does), nothing more; the count goes to a file once a second."""
    import aiohttp

    from hiccup.engine.scheduler import jitter_offset

    done, phase = [0], 1 / 3

    async def monitor(session: aiohttp.ClientSession, url: str, slot: float) -> None:
        while True:
            await asyncio.sleep(max(0.0, bare_launch(slot, phase) - time.monotonic()))
            try:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
                    await response.read()
            except (aiohttp.ClientError, TimeoutError):
                pass
            done[0] += 1
            slot += interval

    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.monotonic()
        for n in range(count):
            first = start + jitter_offset(f"m{n}", interval)
            asyncio.get_running_loop().create_task(monitor(session, f"{base}/m{n}", first))
        while True:
            await asyncio.sleep(1)
            progress.write_text(str(done[0]))  # noqa: ASYNC240 -- a few bytes, once a second


async def bare_curl_loop(count: int, interval: float, base: str, progress: Path) -> None:
    """The same loop as bare_loop with libcurl's multi interface (the driver Hiccup's http
    check uses, checks/curl_multi.py) instead of aiohttp: one easy handle per request, a
    fresh connection each, the body read and dropped."""
    import pycurl

    from hiccup.checks.curl_multi import CurlMulti
    from hiccup.engine.scheduler import jitter_offset

    multi, done, phase = CurlMulti(asyncio.get_running_loop()), [0], 2 / 3

    async def get(url: str) -> None:
        handle = pycurl.Curl()
        handle.setopt(pycurl.URL, url)
        handle.setopt(pycurl.WRITEFUNCTION, len)
        handle.setopt(pycurl.FRESH_CONNECT, 1)
        handle.setopt(pycurl.FORBID_REUSE, 1)
        handle.setopt(pycurl.NOSIGNAL, 1)
        handle.setopt(pycurl.TIMEOUT_MS, 10_000)
        try:
            await multi.perform(handle)
        finally:
            handle.close()

    async def monitor(url: str, slot: float) -> None:
        while True:
            await asyncio.sleep(max(0.0, bare_launch(slot, phase) - time.monotonic()))
            await get(url)
            done[0] += 1
            slot += interval

    start = time.monotonic()
    tasks = [
        asyncio.create_task(monitor(f"{base}/m{n}", start + jitter_offset(f"m{n}", interval)))
        for n in range(count)
    ]
    while tasks:
        await asyncio.sleep(1)
        progress.write_text(str(done[0]))  # noqa: ASYNC240 -- a few bytes, once a second


# --- report ----------------------------------------------------------------------------------


def report(args: argparse.Namespace, target: str, runs: list[Figures]) -> None:
    span = args.duration / args.windows
    print(
        f"\n{args.n} HTTP monitors every {args.interval:g} s against loopback {target}; "
        f"median of {args.windows} windows of {span:.0f} s after "
        f"{args.warmup or args.interval + 2:g} s warm-up"
    )
    print(
        f"{'':10s} {'checks/s':>9s} {'% core':>7s} {'ms/check':>9s} {'RSS MB':>7s} {'B/check':>8s}"
    )
    for f in runs:
        per_s = f.median("checks") / f.median("seconds")
        print(
            f"{f.name:10s} {per_s:9.1f} {f.median('core_percent'):7.2f} "
            f"{f.median('ms_per_check'):9.3f} {f.rss_mb:7.0f} "
            f"{f.median('bytes_per_check') if f.name == 'hiccup' else 0:8.0f}"
        )
    for bare in runs[1:]:
        ratio = runs[0].median("ms_per_check") / bare.median("ms_per_check")
        print(f"ratio: hiccup CPU per check = {ratio:.2f} x the {bare.name} loop (target <= 0.8)")


def throughput(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="hiccup-bench-serve-") as name:
        tmp = Path(name)
        port = free_port()
        use_nginx = shutil.which("nginx") is not None and not args.aiohttp_target
        with nginx_target(tmp, port) if use_nginx else aiohttp_target(port) as target:
            base = f"http://127.0.0.1:{port}"
            if args.together and args.n and not args.no_bare:
                runs = run_together(args, tmp, base)
            else:
                runs = [run_hiccup(args, tmp, base)]
            if args.n and not args.no_bare and not args.together:
                runs.append(run_bare(args, tmp, base, "aiohttp"))
                runs.append(run_bare(args, tmp, base, "curl"))
    report(args, target, runs)


# --- detection -------------------------------------------------------------------------------


def component_status(port: int) -> str:
    url = f"http://127.0.0.1:{port}/api/v2/components.json"
    with urllib.request.urlopen(url, timeout=5) as response:
        body = json.load(response)
    return str(body["components"][0]["status"])


def set_mode(target: int, mode: str) -> None:
    urllib.request.urlopen(f"http://127.0.0.1:{target}/_mode/{mode}", timeout=5).close()


def wait_status(port: int, wanted: str, limit: float) -> float | None:
    """Seconds until the component shows `wanted` (polled every 0.1 s), None past `limit`."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if component_status(port) == wanted:
            return time.monotonic() - start
        time.sleep(0.1)
    return None


def detect(args: argparse.Namespace) -> None:
    limit = args.interval * 6 + 60
    times: dict[str, list[float]] = {"503": [], "hang": []}
    false_alarms = 0
    with tempfile.TemporaryDirectory(prefix="hiccup-bench-detect-") as name:
        tmp, target, port = Path(name), free_port(), free_port()
        with aiohttp_target(target):
            config = write_config(tmp, 1, args.interval, f"http://127.0.0.1:{target}")
            with hiccup_server(tmp, config, port):
                for trial in range(args.trials):
                    set_mode(target, "ok")
                    if wait_status(port, "operational", limit) is None:
                        raise RuntimeError("the monitor never came up")
                    set_mode(target, "blip")  # one failed check must not alarm anyone
                    time.sleep(args.interval * 2 + random.uniform(0, args.interval))
                    false_alarms += component_status(port) != "operational"
                    for mode in ("503", "hang"):
                        set_mode(target, "ok")
                        wait_status(port, "operational", limit)
                        time.sleep(random.uniform(0, args.interval))  # any moment of the cycle
                        set_mode(target, mode)
                        took = wait_status(port, "major_outage", limit)
                        times[mode].append(float("nan") if took is None else took)
                        print(f"trial {trial + 1}: {mode} down after {took} s", flush=True)
    print(f"\none monitor every {args.interval:g} s, defaults otherwise; {args.trials} trials")
    for mode, seconds in times.items():
        print(
            f"time to down, {mode:4s}: median {statistics.median(seconds):5.1f} s, "
            f"min {min(seconds):5.1f}, max {max(seconds):5.1f} "
            f"(target <= {args.interval + 10:g} s)"
        )
    print(f"false alarms on a one-check blip: {false_alarms} of {args.trials}")


# --- entry -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=1000, help="number of monitors")
    parser.add_argument("--interval", type=float, default=20.0)
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds")
    parser.add_argument("--windows", type=int, default=3, help="windows the median is over")
    parser.add_argument("--warmup", type=float, help="seconds before measuring (interval + 2)")
    parser.add_argument("--aiohttp-target", action="store_true", help="even with nginx there")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare loops")
    parser.add_argument(
        "--together", action="store_true", help="run the bare loops beside Hiccup, same windows"
    )
    parser.add_argument("--detect", action="store_true", help="time to down instead")
    parser.add_argument("--trials", type=int, default=3)
    roles = ["target", "bare-aiohttp", "bare-curl"]
    parser.add_argument("--role", choices=roles, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--progress", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "target":
        serve_target(args.port)
    elif args.role is not None:
        import uvloop

        loop = bare_loop if args.role == "bare-aiohttp" else bare_curl_loop
        uvloop.run(loop(args.n, args.interval, args.base, args.progress))
    elif args.detect:
        detect(args)
    else:
        throughput(args)


if __name__ == "__main__":
    main()
