"""Raw HTTP on plain sockets, for tests about what a server does with requests no client
library would send: heads alone, bodies cut off, headers that never end."""

from __future__ import annotations

import contextlib
import select
import socket
import time
from contextlib import ExitStack, suppress

PARTIAL_HEADER = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


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
