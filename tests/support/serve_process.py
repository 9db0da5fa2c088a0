"""`python -m hiccup serve` (or `demo`) as a child process on a reserved loopback port, as a
user runs it: start, wait until it answers, signal, kill, restart. Its output goes to
`serve.log` in its folder, and a server that exits early fails the test with that log's end."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path

import httpx

from tests.support.targets import reserve_port

PYTHON_M_HICCUP = (sys.executable, "-m", "hiccup")
MINIMAL_CONFIG = """\
page: {name: Flexo Hosting}
components:
  - {name: flexo, key: flexo}
"""


class HiccupServe:
    def __init__(
        self,
        workdir: Path,
        *options: str,
        env: Mapping[str, str] | None = None,
        config: Path | None = None,
        port: int | None = None,
        program: Sequence[str] = PYTHON_M_HICCUP,
        inherit_env: bool = True,
        subcommand: str = "serve",
    ) -> None:
        self.workdir, self.options, self.config = workdir, options, config
        self.program, self.subcommand = program, subcommand
        self.port = port if port is not None else reserve_port()
        self.env = {**os.environ, "HICCUP_DATA_DIR": str(workdir / "data")} if inherit_env else {}
        # The suite's own database never leaks into a child unless a test passes it on.
        self.env.pop("HICCUP_DATABASE_URL", None)
        self.env |= env or {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        command = [*self.program, self.subcommand, "--port", str(self.port)]
        if self.config is not None:
            command += ["--config", str(self.config)]
        return [*command, *self.options]

    def write_config(self, text: str) -> HiccupServe:
        (self.workdir / "hiccup.yaml").write_text(text)
        return self

    @contextmanager
    def serving(
        self, ready: str | None = "/healthz", accept: int = 200, graceful: bool = False
    ) -> Iterator[HiccupServe]:
        """Started, answering `ready` with `accept`, and killed at the end whatever happened
        (`graceful`: stopped by SIGTERM, so open streams end cleanly, then killed if it lingers)."""
        self.start()
        try:
            if ready is not None:
                self.wait_ready(ready, accept)
            yield self
        finally:
            self.stop() if graceful else self.kill()

    def run_to_end(self, seconds: float = 60) -> tuple[int, str]:
        """Runs in the foreground for a server expected to exit by itself: (code, stderr)."""
        done = subprocess.run(
            self.command(),
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            timeout=seconds,
            check=False,
        )
        return done.returncode, done.stderr.decode()

    def start(self) -> HiccupServe:
        with (self.workdir / "serve.log").open("ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                self.command(), cwd=self.workdir, env=self.env, stdout=log, stderr=log
            )
        return self

    def running(self) -> subprocess.Popen[bytes]:
        assert self.process is not None, "not started"
        assert self.process.poll() is None, f"the server exited:\n{self.log()}"
        return self.process

    def wait_ready(self, path: str = "/healthz", accept: int = 200, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.running()
            with suppress(httpx.HTTPError):
                if httpx.get(self.base + path, timeout=2).status_code == accept:
                    return
            time.sleep(0.1)
        raise AssertionError(f"{self.base + path} did not answer {accept}:\n{self.log()}")

    async def healthy(self, seconds: float = 30) -> None:
        async with httpx.AsyncClient() as client, asyncio.timeout(seconds):
            while True:
                self.running()
                with suppress(httpx.TransportError):
                    if (await client.get(self.base + "/healthz")).status_code == 200:
                        return
                await asyncio.sleep(0.1)

    def send(self, sig: int) -> None:
        self.running().send_signal(sig)

    def exit_code(self, timeout: float) -> int:
        """Waits for the process to end by itself (after a signal the test sent)."""
        assert self.process is not None, "not started"
        return self.process.wait(timeout=timeout)

    def stop(self, seconds: float = 20) -> int | None:
        """SIGTERM, then SIGKILL past `seconds`; the exit code (None if never started)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                return self.process.wait(timeout=seconds)
            except subprocess.TimeoutExpired:
                pass
        return self.kill()

    def kill(self, sig: int = signal.SIGKILL) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=30)

    def log(self) -> str:
        """The end of what the process wrote, for an assertion's message."""
        return self.log_text()[-3000:]

    def log_text(self) -> str:
        path = self.workdir / "serve.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def sockets(self) -> int:
        """Sockets the server process holds open (connections, listener, its own pipes)."""
        count = 0
        for fd in Path(f"/proc/{self.running().pid}/fd").iterdir():
            with suppress(OSError):  # closed while we looked
                count += str(fd.readlink()).startswith("socket:")
        return count


def hiccup_serve(
    workdir: Path,
    config: str | None = MINIMAL_CONFIG,
    *options: str,
    env: Mapping[str, str] | None = None,
    ready: str | None = "/healthz",
    accept: int = 200,
) -> AbstractContextManager[HiccupServe]:
    """A started server over `config` (written to `workdir/hiccup.yaml`), killed at the end."""
    served = HiccupServe(workdir, *options, env=env)
    if config is not None:
        served.write_config(config)
    return served.serving(ready, accept)


def child_server(workdir: Path, database_url: str) -> HiccupServe:
    """Not started: for tests that start, kill and restart it over `workdir/hiccup.yaml`."""
    env = {
        "HICCUP_DATABASE_URL": database_url,
        "HICCUP_SECRET_KEY": "kill-test",
        "HICCUP_DATA_DIR": str(workdir),
    }
    return HiccupServe(workdir, config=workdir / "hiccup.yaml", env=env)
