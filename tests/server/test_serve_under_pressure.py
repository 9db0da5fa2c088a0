"""`hiccup serve` keeps answering new readers while clients hold connections open: a header
must arrive whole within the header timeout, idle keep-alive connections are closed, and no
more than the connection cap are held. (bench/pressure.py measures it at 1,000 connections.)"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.support.raw_http import closed_by_server, hold_partial_headers
from tests.support.serve_process import MINIMAL_CONFIG, HiccupServe, hiccup_serve

SERVERS = ["granian", "uvicorn"]
CAP = 20


@pytest.fixture(scope="module", params=SERVERS)
def tight(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HiccupServe]:
    """One server per module with a 2 s header timeout and a 20-connection cap."""
    options = ("--header-timeout", "2", "--max-connections", str(CAP))
    with hiccup_serve(
        tmp_path_factory.mktemp("tight"), MINIMAL_CONFIG, "--server", request.param, *options
    ) as served:
        yield served


@pytest.mark.parametrize("server", SERVERS)
def test_new_readers_are_answered_while_300_connections_hold_unfinished_headers(
    tmp_path: Path, server: str
) -> None:
    # Out of the box: no option given.
    with hiccup_serve(tmp_path, MINIMAL_CONFIG, "--server", server) as served, ExitStack() as stack:
        held = hold_partial_headers(stack, served.port, 300)
        opened = time.monotonic()
        for path in ("/healthz", "/", "/healthz"):
            # A new connection each time, as a new visitor makes.
            response = httpx.get(served.base + path, timeout=10)
            assert response.status_code == 200
            assert path != "/" or "Flexo Hosting" in response.text
        if time.monotonic() - opened < 8:  # before the 10 s header timeout could close them
            # The held connections were still open: the answers did not wait for them to go.
            assert not closed_by_server(held[-1], within=0.1)


def test_a_partial_header_is_closed_within_the_header_timeout_even_when_trickled(
    tight: HiccupServe,
) -> None:
    with ExitStack() as stack:
        still, trickling = hold_partial_headers(stack, tight.port, 2)
        started = time.monotonic()
        assert closed_by_server(trickling, within=2 + 8, trickle=True)
        assert closed_by_server(still, within=2 + 8 - (time.monotonic() - started))
        assert time.monotonic() - started > 1.0  # the timeout's doing, not a refusal


def test_an_idle_keep_alive_connection_is_closed(tight: HiccupServe) -> None:
    with socket.create_connection(("127.0.0.1", tight.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        # Kept alive after the answer, then closed for idling.
        assert not closed_by_server(sock, within=0.5)
        assert closed_by_server(sock, within=2 + 8)


def test_the_connection_cap_holds_and_frees_up(tight: HiccupServe) -> None:
    served = tight
    with ExitStack() as stack:
        idle = served.sockets()
        hold_partial_headers(stack, served.port, 3 * CAP)
        time.sleep(1)  # the server has taken all it will take
        assert served.sockets() - idle <= CAP
        # Held connections time out and free their places: a new reader gets in. granian
        # takes the queued ones in turn (cap at a time, 2 s each); uvicorn has told the
        # ones past the cap to come back (503) at once.
        response = httpx.get(served.base + "/healthz", timeout=20)
        assert response.status_code in (200, 503)
        deadline = time.monotonic() + 20
        while response.status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
            response = httpx.get(served.base + "/healthz", timeout=20)
        assert response.status_code == 200
