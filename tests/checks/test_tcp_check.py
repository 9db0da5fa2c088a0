"""The tcp check against real loopback sockets.

No timeout test: making a connect hang deterministically needs a black-holed address or a
saturated backlog, and neither behaves the same on every machine and network.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from hiccup.checks.tcp import TcpCheck
from hiccup.core.monitors import MonitorSpec


def _spec(target: str) -> MonitorSpec:
    return MonitorSpec(
        id="tcp",
        name="tcp",
        kind="tcp",
        target=target,
        interval=timedelta(seconds=30),
        timeout=timedelta(seconds=2),
    )


async def _serve(host: str) -> tuple[asyncio.Server, int]:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(hang_up, host, 0)
    return server, server.sockets[0].getsockname()[1]


@pytest.fixture
async def open_port() -> AsyncIterator[int]:
    server, port = await _serve("127.0.0.1")
    async with server:
        yield port


@pytest.fixture
def closed_port() -> int:
    # Bound and released: nothing listens there for the moment of the test.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_it_connects_to_an_open_port(open_port: int) -> None:
    result = await TcpCheck().run(_spec(f"127.0.0.1:{open_port}"))
    assert result.ok, result.error
    assert result.latency_ms is not None
    assert result.latency_ms < 2000


async def test_it_reports_a_refused_connection(closed_port: int) -> None:
    result = await TcpCheck().run(_spec(f"127.0.0.1:{closed_port}"))
    assert not result.ok
    assert result.error == "connection refused"


async def test_it_accepts_a_bracketed_ipv6_target() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        server, port = await _serve("::1")
    except OSError:
        pytest.skip("::1 is not configured here")
    async with server:
        result = await TcpCheck().run(_spec(f"[::1]:{port}"))
    assert result.ok, result.error


@pytest.mark.parametrize(
    "target", ["localhost", "localhost:", "localhost:http", "[::1", ":80", "a:70000", "a/b:80"]
)
async def test_it_rejects_a_target_that_is_not_host_and_port(target: str) -> None:
    result = await TcpCheck().run(_spec(target))
    assert not result.ok
    assert result.error == f"invalid target {target!r} (expected host:port)"


async def test_it_reports_a_name_that_does_not_resolve() -> None:
    result = await TcpCheck().run(_spec("nonexistent.invalid:80"))
    assert not result.ok
    assert result.error is not None
    # A resolver without network may hang instead of answering NXDOMAIN; the timeout bounds it.
    assert result.error.startswith(("DNS lookup failed: ", "timed out after"))
