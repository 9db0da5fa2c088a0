"""The curl multi driver on the asyncio loop, with curl's sockets in an epoll set or in the loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import pycurl
import pytest

from hiccup.checks.curl_multi import CurlMulti


@pytest.fixture(params=[True, False], ids=["epoll", "loop"])
async def multi(request: pytest.FixtureRequest) -> AsyncIterator[CurlMulti]:
    driver = CurlMulti(asyncio.get_running_loop(), epoll=request.param)
    yield driver
    driver.close()


@contextlib.asynccontextmanager
async def _server(answer: bytes | None) -> AsyncIterator[str]:
    """Answers every request with `answer`; None: reads the request and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if answer is None:
            held.append(writer)
            return
        writer.write(answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


def _easy(url: str, sink: list[bytes], timeout_ms: int = 5000) -> pycurl.Curl:
    handle = pycurl.Curl()
    handle.setopt(pycurl.URL, url)
    handle.setopt(pycurl.NOSIGNAL, 1)
    handle.setopt(pycurl.PROXY, "")
    handle.setopt(pycurl.TIMEOUT_MS, timeout_ms)
    handle.setopt(pycurl.WRITEFUNCTION, sink.append)
    return handle


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"


async def test_many_transfers_run_at_once_and_each_gets_its_body(multi: CurlMulti) -> None:
    async with _server(OK) as url:
        sinks: list[list[bytes]] = [[] for _ in range(50)]
        handles = [_easy(url, sink) for sink in sinks]
        codes = await asyncio.gather(*(multi.perform(h) for h in handles))
    assert codes == [pycurl.E_OK] * 50
    assert all(b"".join(sink) == b"hello" for sink in sinks)
    assert {h.getinfo(pycurl.RESPONSE_CODE) for h in handles} == {200}


async def test_a_refused_connection_ends_with_curls_code(multi: CurlMulti) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert await multi.perform(_easy(f"http://127.0.0.1:{port}/", [])) == pycurl.E_COULDNT_CONNECT


async def test_curls_timer_ends_a_transfer_that_gets_no_answer(multi: CurlMulti) -> None:
    async with _server(None) as url:
        code = await multi.perform(_easy(url, [], timeout_ms=300))
    assert code == pycurl.E_OPERATION_TIMEDOUT


async def test_a_cancelled_transfer_leaves_the_multi_working(multi: CurlMulti) -> None:
    async with _server(None) as silent:
        hanging = asyncio.create_task(multi.perform(_easy(silent, [])))
        await asyncio.sleep(0.1)
        hanging.cancel()
        with pytest.raises(asyncio.CancelledError):
            await hanging
    async with _server(OK) as url:
        assert await multi.perform(_easy(url, [])) == pycurl.E_OK


async def test_closing_ends_transfers_in_flight_as_aborted() -> None:
    driver = CurlMulti(asyncio.get_running_loop())
    async with _server(None) as url:
        running = asyncio.create_task(driver.perform(_easy(url, [])))
        await asyncio.sleep(0.1)
        driver.close()
        assert await running == pycurl.E_ABORTED_BY_CALLBACK
