"""Every reader answered under pressure: `hiccup serve` beside nginx on the same bytes.

    .venv/bin/python bench/pressure.py [--slow 1000] [--flood 1000] [--probes 50]
                                       [--duration 15] [--server all|granian|uvicorn] [--runs 1]

Starts a real `hiccup serve` (a demo-like config, SQLite in a temp dir, its monitors checking
the server itself) under each ASGI server in turn, and nginx (one worker, loopback, a temp
config, no daemon) serving the same site written by `hiccup export`. Against each it measures:

  slow    `--slow` connections from this one client that send a partial request header and hold
          it (reopened when the server closes them, as an attacker would); meanwhile `--probes`
          requests for `/`, each on a fresh TCP connection, one every 0.2 s.
  flood   `wrk -t2 -c<--flood>` keep-alive load on `/` for `--duration` s; meanwhile the same
          fresh-connection probes (a new visitor each).

It prints the probes' p50 and p99 (a probe that gets no complete 200 within 10 s is a failure;
with --runs, the medians of the runs' figures and the worst p99), wrk's req/s, how many slow
connections were held, how long the server took to close a held partial header, and the ratio
of the p99 to nginx's. Target: every probe answered, p99 < 1 s, in both.
All load is on loopback and bounded by the probe count and `--duration`.
Needs Debian's `wrk` and `nginx`; as root it installs them (apt-get), else it says how.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.page import ensure_tools, free_port, wait_ok  # noqa: E402

PROBE_TIMEOUT = 10.0
CONFIG = """\
page:
  name: Pressure Hosting
  time_zone: UTC
components:
  - name: Web servers
    key: web
    components:
      - name: amy
      - name: flexo
      - name: leela
  - name: E-mail
    key: mail
monitors:
  - {{name: amy website, kind: http, target: "http://127.0.0.1:{port}/healthz", component: amy,
      interval: 5s, timeout: 3s}}
  - {{name: flexo port, kind: tcp, target: "127.0.0.1:{port}", component: flexo,
      interval: 5s, timeout: 3s}}
"""
# The same limits nginx users are told to set; 10 s is Hiccup's header timeout too.
NGINX_CONF = """\
worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log crit;
events {{ worker_connections 8192; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  client_header_timeout 10s;
  keepalive_timeout 20s;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    root {root};
    location / {{ try_files $uri $uri/index.html =404; }}
  }}
}}
"""


@dataclass
class Probes:
    """Fresh-connection requests: latencies of the answered ones, and the failures."""

    latencies: list[float] = field(default_factory=list)
    failures: int = 0

    def quantile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


@dataclass
class Result:
    server: str
    scenario: str
    probes: Probes
    rps: float = 0.0  # wrk's rate during the flood
    held: int = 0  # slow connections open when the probes ran
    closed_after: list[float] = field(default_factory=list)  # s until the server closed one


async def fetch(port: int, path: str = "/") -> float | None:
    """One request on a new connection; its latency, or None without a whole 200 in time."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(PROBE_TIMEOUT):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                writer.write(request.encode())
                head = await reader.readuntil(b"\r\n\r\n")
                if not head.startswith(b"HTTP/1.1 200"):
                    return None
                length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                if length is None:
                    await reader.read()
                else:
                    await reader.readexactly(int(length.group(1)))
            finally:
                writer.close()
    except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    return time.perf_counter() - started


async def probe(port: int, count: int) -> Probes:
    probes = Probes()

    async def one() -> None:
        latency = await fetch(port)
        if latency is None:
            probes.failures += 1
        else:
            probes.latencies.append(latency)

    tasks = []
    for _ in range(count):
        tasks.append(asyncio.create_task(one()))
        await asyncio.sleep(0.2)
    await asyncio.gather(*tasks)
    return probes


class SlowClients:
    """Connections that send part of a request header and hold it; reopened when closed."""

    def __init__(self, port: int, count: int) -> None:
        self.port = port
        self.count = count
        self.open = 0
        self.closed_after: list[float] = []
        self.stopping = asyncio.Event()
        self.ready = asyncio.Event()  # (nearly) all are open
        self.tasks: list[asyncio.Task[None]] = []

    async def _hold(self) -> None:
        while not self.stopping.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.5)
                continue
            opened = time.monotonic()
            self.open += 1
            if self.open >= self.count * 0.95:
                self.ready.set()
            try:
                writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                read = asyncio.create_task(reader.read(1024))
                stop = asyncio.create_task(self.stopping.wait())
                done, _ = await asyncio.wait({read, stop}, return_when=asyncio.FIRST_COMPLETED)
                if read in done:
                    self.closed_after.append(time.monotonic() - opened)
                for task in (read, stop):
                    task.cancel()
            except OSError:
                pass
            finally:
                self.open -= 1
                writer.close()

    async def start(self) -> None:
        self.tasks = [asyncio.create_task(self._hold()) for _ in range(self.count)]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.ready.wait(), 30)

    async def stop(self) -> None:
        self.stopping.set()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def slow_scenario(server: str, port: int, args: argparse.Namespace) -> Result:
    slow = SlowClients(port, args.slow)
    await slow.start()
    try:
        held = slow.open
        probes = await probe(port, args.probes)
        # Long enough to see a held header closed by a server with a header timeout.
        await asyncio.sleep(max(0.0, 12 - args.probes * 0.2))
    finally:
        await slow.stop()
    return Result(server, "slow", probes, held=held, closed_after=slow.closed_after)


async def flood_scenario(server: str, port: int, args: argparse.Namespace) -> Result:
    command = ["wrk", "-t2", f"-c{args.flood}", f"-d{args.duration}s", f"http://127.0.0.1:{port}/"]
    wrk = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    await asyncio.sleep(1.5)  # the flood's connections are up
    probes = await probe(port, min(args.probes, int((args.duration - 2) / 0.2)))
    out, _ = await wrk.communicate()
    rate = re.search(rb"Requests/sec:\s+([\d.]+)", out)
    return Result(server, "flood", probes, rps=float(rate.group(1)) if rate else 0.0)


async def measure(server: str, port: int, args: argparse.Namespace) -> list[Result]:
    results = [await slow_scenario(server, port, args)]
    await asyncio.sleep(2)  # let the held connections drain
    results.append(await flood_scenario(server, port, args))
    return results


def start_hiccup(tmp: Path, port: int, server: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp / "data")}
    env["HICCUP_DATABASE_URL"] = f"sqlite:///{tmp / 'bench.db'}"
    # The server of this tree, whatever the virtualenv has installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "hiccup", "serve", "--port", str(port), "--server", server]
    command += ["--config", str(tmp / "hiccup.yaml")]
    log = (tmp / f"{server}.log").open("wb")
    return subprocess.Popen(command, cwd=tmp, env=env, stdout=log, stderr=log)


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGINT) -> None:
    process.send_signal(sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def export_site(tmp: Path) -> Path:
    out = tmp / "site"
    env = {**os.environ, "HICCUP_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}"}
    command = [sys.executable, "-m", "hiccup", "export", "--out", str(out)]
    command += ["--config", str(tmp / "hiccup.yaml")]
    subprocess.run(command, check=True, env=env, capture_output=True)
    return out


def start_nginx(tmp: Path, root: Path, port: int) -> subprocess.Popen[bytes]:
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / name).mkdir(exist_ok=True)
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, root=root))
    return subprocess.Popen(["nginx", "-c", str(conf), "-p", str(tmp)])


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass(frozen=True)
class Row:
    """One server in one scenario over every run: medians of the runs' figures."""

    server: str
    scenario: str
    p50: float
    p99: float
    worst_p99: float
    failures: int
    sent: int
    rps: float
    held: float
    closed_after: float

    @classmethod
    def of(cls, runs: list[Result]) -> Row:
        return cls(
            runs[0].server,
            runs[0].scenario,
            _median([r.probes.quantile(0.5) for r in runs]),
            _median([r.probes.quantile(0.99) for r in runs]),
            max(r.probes.quantile(0.99) for r in runs),
            sum(r.probes.failures for r in runs),
            sum(len(r.probes.latencies) + r.probes.failures for r in runs),
            _median([r.rps for r in runs]),
            _median([float(r.held) for r in runs]),
            _median([t for r in runs for t in r.closed_after]),
        )


def report(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"\nloopback, one client; probes: {args.probes} x GET / on a new connection each, "
        f"one per 0.2 s, {PROBE_TIMEOUT:.0f} s allowed; medians of {args.runs} run(s)"
    )
    print(f"  slow:  {args.slow} connections holding a partial header (reopened when closed)")
    print(f"  flood: wrk -t2 -c{args.flood} -d{args.duration}s keep-alive on /")
    head = f"{'server':<8} {'scenario':<8} {'p50 ms':>7} {'p99 ms':>7} {'worst p99':>9}"
    print(head + f" {'failed':>8} {'wrk req/s':>9} {'held':>5} {'closed after s':>14}  p99/nginx")
    keys = dict.fromkeys((r.server, r.scenario) for r in results)
    rows = [Row.of([r for r in results if (r.server, r.scenario) == key]) for key in keys]
    nginx = {row.scenario: row for row in rows if row.server == "nginx"}
    for row in rows:
        base = nginx.get(row.scenario)
        ratio = f"{row.p99 / base.p99:.2f}" if base else "-"
        met = row.failures == 0 and row.p99 < 1000
        closed = "-" if math.isnan(row.closed_after) else f"{row.closed_after:.1f}"
        print(
            f"{row.server:<8} {row.scenario:<8} {row.p50:>7.1f} {row.p99:>7.1f} "
            f"{row.worst_p99:>9.1f} {row.failures:>4}/{row.sent:<3} {row.rps:>9.0f} "
            f"{row.held:>5.0f} {closed:>14}  {ratio:>9}  "
            f"({'meets' if met else 'MISSES'} all answered, p99 < 1 s)"
        )


async def run_all(args: argparse.Namespace, tmp: Path) -> list[Result]:
    servers = ["granian", "uvicorn"] if args.server == "all" else [args.server]
    results: list[Result] = []
    for server in servers:
        port = free_port()
        (tmp / "hiccup.yaml").write_text(CONFIG.format(port=port))
        hiccup = start_hiccup(tmp, port, server)
        try:
            await asyncio.to_thread(wait_ok, f"http://127.0.0.1:{port}/healthz")
            results += await measure(server, port, args)
        finally:
            stop(hiccup)
    port = free_port()
    site = tmp / "site" if (tmp / "site").exists() else export_site(tmp)
    nginx = start_nginx(tmp, site, port)
    try:
        await asyncio.to_thread(wait_ok, f"http://127.0.0.1:{port}/")
        results += await measure("nginx", port, args)
    finally:
        stop(nginx, signal.SIGQUIT)
    return results


def raise_file_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            sys.exit(f"needs {needed} open files; the hard limit is {hard} (ulimit -Hn)")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=1000, help="slow-header connections")
    parser.add_argument("--flood", type=int, default=1000, help="wrk keep-alive connections")
    parser.add_argument("--probes", type=int, default=50, help="fresh-connection requests")
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk flood")
    parser.add_argument("--server", choices=["all", "granian", "uvicorn"], default="all")
    parser.add_argument("--runs", type=int, default=1, help="repeat; report the medians")
    args = parser.parse_args()
    ensure_tools()
    # This process holds the slow connections; the servers started here inherit the limit.
    raise_file_limit(args.slow + args.flood + 2 * args.probes + 1024)
    with tempfile.TemporaryDirectory(prefix="hiccup-bench-pressure-") as name:
        tmp = Path(name)
        tmp.chmod(0o755)  # nginx's worker runs as another user and must read the export
        with contextlib.suppress(KeyboardInterrupt):
            results = [r for _ in range(args.runs) for r in asyncio.run(run_all(args, tmp))]
            report(results, args)


if __name__ == "__main__":
    main()
