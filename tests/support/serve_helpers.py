"""A real `hiccup serve` in a child process, and raw client sockets to press on it."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.targets import reserve_port

CONFIG = """\
page: {name: Flexo Hosting}
components:
  - {name: flexo, key: flexo}
"""
PARTIAL_HEADER = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


@dataclass(frozen=True)
class Served:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sockets(self) -> int:
        """Sockets the server process holds open (connections, listener, its own pipes)."""
        fds = Path(f"/proc/{self.process.pid}/fd")
        count = 0
        for fd in fds.iterdir():
            with suppress(OSError):  # closed while we looked
                count += str(fd.readlink()).startswith("socket:")
        return count


def wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")


@contextmanager
def serving(tmp_path: Path, server: str, *options: str) -> Iterator[Served]:
    (tmp_path / "hiccup.yaml").write_text(CONFIG)
    port = reserve_port()
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp_path / "data")}
    env.pop("HICCUP_DATABASE_URL", None)
    command = [sys.executable, "-m", "hiccup", "serve", "--port", str(port), "--server", server]
    with subprocess.Popen(
        [*command, *options],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as process:
        try:
            served = Served(process, port)
            wait_ready(served.base + "/healthz", process)
            yield served
        finally:
            process.kill()
            process.wait()


def hold_partial_headers(stack: ExitStack, port: int, count: int) -> list[socket.socket]:
    """`count` connections that each send half a request header and stop there."""
    held = []
    for _ in range(count):
        sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
        with suppress(OSError):  # a server past its cap may have closed it already
            sock.sendall(PARTIAL_HEADER)
        held.append(sock)
    return held


def closed_by_server(sock: socket.socket, within: float, trickle: bool = False) -> bool:
    """Whether the server closes `sock` within `within` seconds; with `trickle`, one more
    header byte goes out every 0.3 s meanwhile, as a slowloris client sends them."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], 0.3)
        try:
            if readable and sock.recv(4096) == b"":
                return True
            if trickle:
                sock.sendall(b"a")
        except OSError:  # reset, or a write after the server closed: closed all the same
            return True
    return False
