"""A real `hiccup serve` process on a loopback port, for tests about what the server itself does
with a request before any route sees it (limits, headers)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.server.test_serve_servers import wait_ready
from tests.support.targets import reserve_port


@contextmanager
def hiccup_serve(tmp_path: Path, config: str, server: str = "granian") -> Iterator[str]:
    (tmp_path / "hiccup.yaml").write_text(config)
    port = reserve_port()
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp_path / "data")}
    env.pop("HICCUP_DATABASE_URL", None)
    command = [sys.executable, "-m", "hiccup", "serve", "--port", str(port), "--server", server]
    with subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as process:
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base + "/healthz", process)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def raw_exchange(base: str, head: bytes, body: bytes = b"", seconds: float = 10) -> bytes:
    """Send a request's head (and optionally part of a body) on a plain socket and return what
    the server answers before it closes or goes quiet: the test decides what was sent."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=seconds) as sock:
        sock.sendall(head)
        if body:
            # The server may refuse and close before taking it all.
            with contextlib.suppress(OSError):
                sock.sendall(body)
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except OSError:
            pass
        return answer


def status_and_headers(answer: bytes) -> tuple[int, dict[str, str]]:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers
