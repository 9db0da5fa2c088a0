"""Ctrl-C stops `hiccup demo` within 2 s, even with a page open on its live stream (it used to
wait out the 5 s graceful timeout for each stream)."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

from tests.support.serve_process import HiccupServe


def open_stream(port: int) -> socket.socket:
    """A reader on /live, as an open page holds one, with its first event read."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
    seen = b""
    while b"event: hello" not in seen:
        chunk = sock.recv(65536)
        assert chunk, "the stream closed before its first event"
        seen += chunk
    return sock


def idle_keep_alive(port: int) -> socket.socket:
    """A browser's second connection: the page fetched, then left open."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    return sock


def test_ctrl_c_stops_the_demo_within_two_seconds(tmp_path: Path) -> None:
    demo = HiccupServe(tmp_path, subcommand="demo")
    with demo.serving():
        stream, page = open_stream(demo.port), idle_keep_alive(demo.port)
        started = time.monotonic()
        demo.send(signal.SIGINT)
        code = demo.exit_code(timeout=10)
        took = time.monotonic() - started
        stream.close()
        page.close()
    # 130: ended by SIGINT, as a shell reports Ctrl-C (uvicorn passes the signal on).
    assert code in (0, 130)
    said = demo.log_text()
    # What a stop cut short leaves: a stream cancelled at the graceful timeout, an interrupt
    # raised through the event loop. (Not any traceback: under a heavily loaded machine a
    # step may fail on a busy database before the signal, which is not about stopping.)
    for cut_short in ("CancelledError", "graceful shutdown exceeded", "KeyboardInterrupt"):
        assert cut_short not in said, said
    # The promise is 2 s on an idle machine; a starved one (two test workers and a CPU burner
    # on 2 cores) took 2.8 s. The old bug waited out the 5 s graceful timeout, which the log
    # check above catches whatever the machine's load; this bound still tells it apart.
    assert took < 4.5, f"the demo took {took:.1f} s to stop"
