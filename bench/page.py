"""The public page under load: Hiccup's own server beside nginx serving the exported files.

    .venv/bin/python bench/page.py [--duration 10] [--connections 64] [--threads 2]
                                   [--server both|uvicorn|granian]

Runs the demo (its config, its 90 days of history, its targets failing now and then) in a
child process: one worker on uvloop, under uvicorn (httptools) and under granian (its embedded
ASGI server), one after the other, serving the snapshot. Exports the same
site with `hiccup export` and serves it with nginx (one worker, loopback, gzip_static, a temp
config, no daemon). Then wrk (64 connections, 2 threads, gzip accepted as browsers do) loads
`/` and `/api/v2/summary.json` on both, and prints req/s, p50, p99 and the ratio to nginx.
Needs Debian's `wrk` and `nginx`; as root it installs them (apt-get), else it says how.
Targets: >= 10,000 req/s from one worker at 64 connections, p99 < 20 ms, >= 0.5 x nginx.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PATHS = ["/", "/api/v2/summary.json"]
NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  include /etc/nginx/mime.types;
  types {{ text/calendar ics; }}
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  gzip_static on;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location / {{ try_files $uri $uri/index.html =404; }}
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def ensure_tools() -> None:
    missing = [name for name in ("wrk", "nginx") if shutil.which(name) is None]
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"missing {', '.join(missing)}: run `apt-get install wrk nginx` as root")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk", "nginx"], check=True, env=env)
    # Debian starts nginx on install; this benchmark runs its own.
    subprocess.run(["service", "nginx", "stop"], check=False, capture_output=True)


def wait_ok(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@dataclass(frozen=True)
class Run:
    server: str
    path: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(server: str, base: str, path: str, args: argparse.Namespace) -> Run:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    command += ["--latency", "-H", "Accept-Encoding: gzip", base + path]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Run(server, path, rps, p50, p99, int(bad.group(1)) if bad else 0)


def start_hiccup(tmp: Path, port: int, server: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, __file__, "--serve", str(tmp), "--port", str(port)]
    command += ["--server", server]
    # Quiet: the child's own start-up chatter would break up the report.
    return subprocess.Popen(command, cwd=Path(__file__).parents[1], stdout=subprocess.DEVNULL)


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


def report(runs: list[Run], servers: list[str], args: argparse.Namespace) -> None:
    print(
        f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency "
        "-H 'Accept-Encoding: gzip', loopback; Hiccup: one worker (uvloop)"
    )
    print(f"{'server':<8} {'path':<22} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for run in runs:
        print(
            f"{run.server:<8} {run.path:<22} {run.rps:>10.0f} {run.p50_ms:>8.2f} "
            f"{run.p99_ms:>8.2f} {run.errors:>8}"
        )
    print()
    for server in servers:
        for path in PATHS:
            ours = next(r for r in runs if r.server == server and r.path == path)
            base = next(r for r in runs if r.server == "nginx" and r.path == path)
            ratio = ours.rps / base.rps
            met = ours.rps >= 10_000 and ours.p99_ms < 20 and ratio >= 0.5
            print(
                f"{server:<8} {path:<22} / nginx = {ratio:.2f}  "
                f"({'meets' if met else 'MISSES'} >= 10,000 req/s, p99 < 20 ms, >= 0.5 x nginx)"
            )


def measure(server: str, tmp: Path, args: argparse.Namespace, nginx_port: int) -> list[Run]:
    """Hiccup under `server` (then nginx, the first time) on every path."""
    port = free_port()
    hiccup = start_hiccup(tmp, port, server)
    nginx: subprocess.Popen[bytes] | None = None
    try:
        wait_ok(f"http://127.0.0.1:{port}/healthz")
        if not (tmp / "site").exists():
            nginx = start_nginx(tmp, export_site(tmp), nginx_port)
            wait_ok(f"http://127.0.0.1:{nginx_port}/api/v2/summary.json")
        runs = []
        for path in PATHS:
            runs.append(wrk(server, f"http://127.0.0.1:{port}", path, args))
            if nginx is not None:
                runs.append(wrk("nginx", f"http://127.0.0.1:{nginx_port}", path, args))
        return runs
    finally:
        hiccup.send_signal(signal.SIGINT)
        hiccup.wait(timeout=30)
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(timeout=30)


def bench(args: argparse.Namespace) -> None:
    ensure_tools()
    servers = ["uvicorn", "granian"] if args.server == "both" else [args.server]
    with tempfile.TemporaryDirectory(prefix="hiccup-bench-page-") as name:
        tmp = Path(name)
        tmp.chmod(0o755)  # nginx's worker runs as another user and must read the export
        nginx_port = free_port()
        runs = [run for server in servers for run in measure(server, tmp, args, nginx_port)]
    report(runs, servers, args)


async def serve(tmp: Path, port: int, server: str) -> None:
    """The child: the demo's page with its history, under uvicorn with one worker."""
    import uvicorn

    from hiccup.cli.demo import DEMO_CONFIG, DemoTargets, _seed_history  # the demo's own history
    from hiccup.config.load import parse_config
    from hiccup.core.clock import SystemClock
    from hiccup.server.runtime import Hiccup
    from hiccup.store.database import create_engine

    targets = DemoTargets()
    await targets.start()
    base = f"http://127.0.0.1:{targets.http_port}"
    soon = SystemClock().now().replace(tzinfo=None, microsecond=0)
    text = DEMO_CONFIG.format(base=base, smtp=targets.smtp_port, maintenance_start=soon.isoformat())
    (tmp / "hiccup.yaml").write_text(text)
    fresh = not (tmp / "bench.db").exists()  # the second server reuses the first one's
    engine = create_engine(f"sqlite:///{tmp / 'bench.db'}")
    hiccup = Hiccup(engine, parse_config(text, tmp / "hiccup.yaml"))
    await hiccup.prepare()
    if fresh:
        await _seed_history(engine, SystemClock().now())
    try:
        if server == "granian":
            from granian.constants import Interfaces
            from granian.server.embed import Server

            embedded = Server(hiccup.app(), port=port, interface=Interfaces.ASGI, log_enabled=False)
            await embedded.serve()
        else:
            config = uvicorn.Config(
                hiccup.app(),
                host="127.0.0.1",
                port=port,
                http="httptools",
                log_level="warning",
                access_log=False,
                timeout_graceful_shutdown=2,
            )
            await uvicorn.Server(config).serve()
    finally:
        await targets.stop()
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--server", choices=["both", "uvicorn", "granian"], default="both")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        import uvloop

        with contextlib.suppress(KeyboardInterrupt):
            uvloop.run(serve(args.serve, args.port, args.server))
        return
    bench(args)


if __name__ == "__main__":
    main()
