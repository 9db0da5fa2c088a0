"""Servers and probes as real processes: `python -m hiccup serve` on the host and
`python -m hiccup probe` inside a probe's network namespace, each with its own log file."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.targets import reserve_port

HICCUP = [sys.executable, "-m", "hiccup"]


class Process:
    def __init__(self, name: str, workdir: Path) -> None:
        self.name, self.workdir = name, workdir
        self.process: subprocess.Popen[bytes] | None = None
        self.logfile = workdir / f"{name}.log"

    def _spawn(self, command: list[str], env: dict[str, str]) -> None:
        with self.logfile.open("ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=log)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, wait: float = 30) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self) -> str:
        return self.logfile.read_text(errors="replace")[-4000:]


class Server(Process):
    def __init__(
        self, name: str, workdir: Path, config: Path, database_url: str, host: str, lease: float
    ) -> None:
        super().__init__(name, workdir)
        self.config, self.database_url, self.host, self.lease = config, database_url, host, lease
        self.port = reserve_port()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        data = self.workdir / f"{self.name}-data"
        env = {
            **os.environ,
            "HICCUP_DATABASE_URL": self.database_url,
            "HICCUP_SECRET_KEY": "cluster-test",
            "HICCUP_DATA_DIR": str(data),
            "HICCUP_LEASE_SECONDS": str(self.lease),
        }
        command = [*HICCUP, "serve", "--config", str(self.config)]
        self._spawn([*command, "--host", self.host, "--port", str(self.port)], env)

    async def ready(self, seconds: float = 60) -> None:
        async with httpx.AsyncClient() as client, asyncio.timeout(seconds):
            while True:
                assert self.alive(), self.log()
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)


class Probe(Process):
    def __init__(
        self, name: str, workdir: Path, region: str, token: str, prefix: list[str]
    ) -> None:
        super().__init__(name, workdir)
        self.region, self.token, self.prefix = region, token, prefix

    def start(self, servers: list[str]) -> None:
        env = {**os.environ, "HICCUP_PROBE_TOKEN": self.token}
        command = [*self.prefix, *HICCUP, "probe", "--region", self.region]
        for url in servers:
            command += ["--server", url]
        command += ["--buffer", str(self.workdir / f"{self.name}-buffer")]
        # Back-off capped low so the test waits seconds, not the default two minutes.
        command += ["--max-backoff", "5"]
        self._spawn(command, env)
