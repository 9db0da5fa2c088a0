"""`python -m hiccup serve` as a child process that tests start, kill and restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.targets import reserve_port


class Served:
    def __init__(self, config: Path, url: str, workdir: Path) -> None:
        self.config, self.url, self.workdir = config, url, workdir
        self.port = reserve_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = dict(os.environ)
        env |= {
            "HICCUP_DATABASE_URL": self.url,
            "HICCUP_SECRET_KEY": "kill-test",
            "HICCUP_DATA_DIR": str(self.workdir),
        }
        command = [sys.executable, "-m", "hiccup", "serve", "--config", str(self.config)]
        with (self.workdir / "serve.log").open("ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [*command, "--port", str(self.port)], env=env, stdout=log, stderr=log
            )

    async def healthy(self) -> None:
        async with httpx.AsyncClient() as client, asyncio.timeout(30):
            while True:
                assert self.process is not None
                assert self.process.poll() is None, self.log()
                try:
                    reply = await client.get(f"http://127.0.0.1:{self.port}/healthz")
                    if reply.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)

    def log(self) -> str:
        return (self.workdir / "serve.log").read_text(errors="replace")[-3000:]
