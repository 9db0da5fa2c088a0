"""The http check against real loopback servers, friendly and hostile."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiohttp import web

from hiccup.checks.base import CheckResult
from hiccup.checks.http import HttpCheck
from hiccup.core.monitors import MonitorSpec

Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
Run = Callable[..., Awaitable[CheckResult]]


async def _ok(request: web.Request) -> web.Response:
    return web.Response(text="all systems ok")


async def _status(request: web.Request) -> web.Response:
    return web.Response(status=int(request.match_info["code"]), text="status")


async def _redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound("/ok")


async def _loop(request: web.Request) -> web.Response:
    raise web.HTTPFound("/loop")


async def _chain(request: web.Request) -> web.Response:
    hops = int(request.match_info["hops"])
    if hops == 0:
        return web.Response(text="end of chain")
    raise web.HTTPFound(f"/chain/{hops - 1}")


async def _echo(request: web.Request) -> web.Response:
    body = await request.text()
    return web.Response(text=f"{request.method} {request.headers.get('X-Probe')} {body}")


async def _see_other(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/echo")


async def _big(request: web.Request) -> web.Response:
    return web.Response(text="x" * 10_000 + "needle")


async def _endless(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    chunk = b"x" * 65_536
    with contextlib.suppress(ConnectionError):
        while True:
            await response.write(chunk)
    return response


def _app() -> web.Application:
    app = web.Application()
    app.router.add_get("/ok", _ok)
    app.router.add_get("/status/{code}", _status)
    app.router.add_get("/redirect", _redirect)
    app.router.add_get("/loop", _loop)
    app.router.add_get("/chain/{hops}", _chain)
    app.router.add_route("*", "/echo", _echo)
    app.router.add_post("/see-other", _see_other)
    app.router.add_get("/big", _big)
    app.router.add_get("/endless", _endless)
    return app


@contextlib.asynccontextmanager
async def _serving(
    ssl_context: ssl.SSLContext | None = None, host: str = "127.0.0.1"
) -> AsyncIterator[int]:
    runner = web.AppRunner(_app(), shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, host, 0, ssl_context=ssl_context)
    await site.start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


@pytest.fixture
async def base() -> AsyncIterator[str]:
    async with _serving() as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def tls_base(ca: trustme.CA) -> AsyncIterator[str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    async with _serving(context) as port:
        yield f"https://127.0.0.1:{port}"


@contextlib.asynccontextmanager
async def _raw_server(behaviour: Behaviour) -> AsyncIterator[str]:
    """A TCP server speaking whatever `behaviour` writes; hung handlers are ended on exit."""
    handlers: set[asyncio.Task[Any]] = set()
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        writers.append(writer)
        with contextlib.suppress(ConnectionError):
            await behaviour(reader, writer)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(65_536)
    await asyncio.sleep(3600)


async def _drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(65_536)
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(1)


async def _banner(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # A service that speaks first and then waits, as SSH does: the wrong port for a monitor.
    writer.write(b"SSH-2.0-OpenSSH_9.2\r\n")
    await writer.drain()
    await asyncio.sleep(3600)


async def _garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(65_536)
    writer.write(b"hello\r\n\r\n")
    await writer.drain()
    writer.close()


def http_spec(url: str, seconds: float = 2.0, **options: Any) -> MonitorSpec:
    return MonitorSpec(
        id="http",
        name="http",
        kind="http",
        target=url,
        interval=timedelta(seconds=30),
        timeout=timedelta(seconds=seconds),
        options=options,
    )


@pytest.fixture
async def run() -> AsyncIterator[Run]:
    check = HttpCheck()

    async def run(url: str, seconds: float = 2.0, **options: Any) -> CheckResult:
        return await check.run(http_spec(url, seconds, **options))

    yield run
    await check.close()


async def test_it_passes_a_200_and_times_its_phases(run: Run, base: str) -> None:
    result = await run(f"{base}/ok")
    assert result.ok, result.error
    assert result.status_code == 200
    assert {"connect", "first_byte", "total"} <= result.phases.keys()
    assert result.latency_ms == result.phases["total"]
    assert result.phases["connect"] + result.phases["first_byte"] <= result.phases["total"]


async def test_it_times_the_name_lookup_of_a_host_name(run: Run, base: str) -> None:
    result = await run(base.replace("127.0.0.1", "localhost") + "/ok")
    assert result.ok, result.error
    assert "dns" in result.phases


async def test_it_fails_a_503(run: Run, base: str) -> None:
    result = await run(f"{base}/status/503")
    assert not result.ok
    assert result.status_code == 503
    assert result.error == "HTTP 503 (expected 2xx/3xx)"


async def test_it_honours_the_expected_status(run: Run, base: str) -> None:
    assert (await run(f"{base}/status/404", expected_status=[404, 410])).ok
    result = await run(f"{base}/ok", expected_status=[201])
    assert not result.ok
    assert result.error == "HTTP 200 (expected 201)"


async def test_it_requires_a_keyword_when_asked(run: Run, base: str) -> None:
    assert (await run(f"{base}/ok", keyword="systems ok")).ok
    result = await run(f"{base}/ok", keyword="banana")
    assert not result.ok
    assert result.error == "keyword 'banana' not found"


async def test_it_fails_when_a_forbidden_keyword_is_present(run: Run, base: str) -> None:
    assert (await run(f"{base}/ok", keyword_absent="error")).ok
    result = await run(f"{base}/ok", keyword_absent="systems")
    assert not result.ok
    assert result.error == "keyword 'systems' found (expected absent)"


async def test_it_sends_the_method_headers_and_body(run: Run, base: str) -> None:
    options = {"method": "POST", "headers": {"X-Probe": "p1"}, "body": "ping"}
    assert (await run(f"{base}/echo", keyword="POST p1 ping", **options)).ok


async def test_it_follows_a_redirect(run: Run, base: str) -> None:
    result = await run(f"{base}/redirect", keyword="systems ok")
    assert result.ok, result.error
    assert result.status_code == 200


async def test_it_reports_a_redirect_loop(run: Run, base: str) -> None:
    result = await run(f"{base}/loop")
    assert not result.ok
    assert result.error == "too many redirects"
    assert result.status_code == 302


async def test_it_follows_exactly_max_redirects_hops(run: Run, base: str) -> None:
    assert (await run(f"{base}/chain/3", max_redirects=3)).ok
    assert (await run(f"{base}/chain/3", max_redirects=2)).error == "too many redirects"


async def test_a_post_answered_with_see_other_is_followed_with_a_get(run: Run, base: str) -> None:
    options = {"method": "POST", "headers": {"X-Probe": "p1"}, "body": "ping"}
    result = await run(f"{base}/see-other", keyword="GET p1 ", **options)
    assert result.ok, result.error


async def test_it_checks_an_ipv6_address(run: Run) -> None:
    try:
        serving = _serving(host="::1")
        port = await serving.__aenter__()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        result = await run(f"http://[::1]:{port}/ok", keyword="systems ok")
    finally:
        await serving.__aexit__(None, None, None)
    assert result.ok, result.error
    assert "dns" not in result.phases


async def test_it_can_judge_the_redirect_itself(run: Run, base: str) -> None:
    result = await run(f"{base}/redirect", follow_redirects=False, expected_status=[302])
    assert result.ok, result.error
    assert result.status_code == 302


async def test_it_times_out_on_a_server_that_never_answers(run: Run) -> None:
    async with _raw_server(_silent) as url:
        started = time.perf_counter()
        result = await run(url, seconds=1.0)
        elapsed = time.perf_counter() - started
    assert not result.ok
    assert result.error == "timed out after 1s"
    assert elapsed < 1.5


async def test_it_times_out_on_a_server_that_drips(run: Run) -> None:
    async with _raw_server(_drip) as url:
        started = time.perf_counter()
        result = await run(url, seconds=1.5)
        elapsed = time.perf_counter() - started
    assert not result.ok
    assert result.error == "timed out after 1.5s"
    assert elapsed < 2.0


async def test_it_stops_reading_an_endless_body_at_the_cap(run: Run, base: str) -> None:
    tracemalloc.start()
    try:
        started = time.perf_counter()
        result = await run(f"{base}/endless", seconds=5.0, keyword="needle", max_body_bytes=200_000)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not result.ok
    assert result.error == "keyword 'needle' not found in the first 200000 bytes"
    assert elapsed < 2.0
    assert peak < 16 * 1024 * 1024


async def test_an_endless_body_is_not_a_failure_by_itself(run: Run, base: str) -> None:
    result = await run(f"{base}/endless", seconds=5.0, max_body_bytes=100_000)
    assert result.ok, result.error


async def test_it_looks_for_a_keyword_only_within_the_cap(run: Run, base: str) -> None:
    assert (await run(f"{base}/big", keyword="needle")).ok
    result = await run(f"{base}/big", keyword="needle", max_body_bytes=1000)
    assert result.error == "keyword 'needle' not found in the first 1000 bytes"


async def test_it_reports_garbage_as_an_invalid_http_response(run: Run) -> None:
    async with _raw_server(_garbage) as url:
        result = await run(url)
    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("invalid HTTP response: ")
    assert "hello" in result.error


async def test_it_names_a_service_that_is_not_http_without_waiting_for_the_timeout(
    run: Run,
) -> None:
    async with _raw_server(_banner) as url:
        started = time.perf_counter()
        result = await run(url, seconds=5.0)
        elapsed = time.perf_counter() - started
    assert (
        result.error
        == "invalid HTTP response: no status line; it began 'SSH-2.0-OpenSSH_9.2\\r\\n'"
    )
    assert not result.timed_out
    assert elapsed < 1.0


async def test_it_reports_a_refused_connection(run: Run) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = await run(f"http://127.0.0.1:{port}/")
    assert not result.ok
    assert result.error == "connection refused"
    assert result.status_code is None


async def test_it_can_skip_tls_verification(run: Run, tls_base: str) -> None:
    result = await run(f"{tls_base}/ok", verify_tls=False)
    assert result.ok, result.error


async def test_it_rejects_a_certificate_it_cannot_verify(run: Run, tls_base: str) -> None:
    result = await run(f"{tls_base}/ok")
    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("TLS certificate verify failed: ")


async def test_it_trusts_the_certificates_python_trusts(
    run: Run, tls_base: str, ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Python's ssl honours SSL_CERT_FILE, and so must the check, whatever system the libcurl
    # it runs on was built for.
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    result = await run(tls_base.replace("127.0.0.1", "localhost") + "/ok")
    assert result.ok, result.error


async def test_it_reports_a_name_that_does_not_resolve(run: Run) -> None:
    started = time.perf_counter()
    result = await run("http://nonexistent.invalid/", seconds=2.0)
    assert time.perf_counter() - started < 2.5
    assert not result.ok
    assert result.error is not None
    # A resolver without network may hang instead of answering NXDOMAIN; the timeout bounds it.
    assert result.error.startswith(("DNS lookup failed: ", "timed out after"))


@pytest.mark.parametrize("url", ["ftp://example.com/", "example.com", "http://", "http://a:x/"])
async def test_it_rejects_a_url_it_cannot_fetch(run: Run, url: str) -> None:
    result = await run(url)
    assert not result.ok
    assert result.error == f"invalid URL {url!r} (expected http:// or https://)"


async def test_it_reports_invalid_options(run: Run, base: str) -> None:
    result = await run(f"{base}/ok", expected_status=[999])
    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("invalid options: expected_status.0: ")


async def test_it_times_the_tls_handshake_apart_from_the_tcp_connect(
    run: Run, tls_base: str
) -> None:
    result = await run(f"{tls_base}/ok", verify_tls=False)
    assert result.ok, result.error
    assert {"connect", "tls", "first_byte", "total"} <= result.phases.keys()
    spent = result.phases["connect"] + result.phases["tls"] + result.phases["first_byte"]
    assert spent <= result.phases["total"]
    assert result.phases["tls"] > 0


async def test_an_upper_case_scheme_is_still_https(run: Run, tls_base: str) -> None:
    result = await run(tls_base.replace("https://", "HTTPS://") + "/ok", verify_tls=False)
    assert result.ok, result.error
    assert "tls" in result.phases
    assert result.certificate is not None


async def test_a_plain_http_check_has_no_tls_phase(run: Run, base: str) -> None:
    result = await run(f"{base}/ok")
    assert "tls" not in result.phases
    assert result.certificate is None


async def test_an_https_check_keeps_the_certificate(run: Run, tls_base: str) -> None:
    result = await run(f"{tls_base}/ok", verify_tls=False)
    cert = result.certificate
    assert cert is not None
    # trustme's leaf is valid for years; the console counts the days left from its end.
    assert cert.not_after - datetime.now(UTC) > timedelta(days=300)
    assert cert.alt_names == ("localhost", "127.0.0.1")  # DNS names, then addresses
    assert (cert.issuer_org or "").startswith("trustme")
    failed = await run(f"{tls_base}/status/503", verify_tls=False)
    assert failed.certificate == cert


async def test_an_https_server_that_never_shakes_hands_times_out_in_the_tls_phase(
    run: Run,
) -> None:
    async with _raw_server(_silent) as url:
        started = time.perf_counter()
        result = await run(url.replace("http://", "https://"), seconds=1.0)
        elapsed = time.perf_counter() - started
    assert not result.ok
    assert result.error == "timed out after 1s"
    assert elapsed < 1.5
    assert result.phases["tls"] > 500


async def test_garbage_instead_of_a_tls_handshake_is_a_tls_error(run: Run) -> None:
    async with _raw_server(_garbage) as url:
        result = await run(url.replace("http://", "https://"))
    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("TLS error: ")
    assert "tls" in result.phases


async def test_closing_the_check_ends_a_request_in_flight_with_a_result() -> None:
    check = HttpCheck()
    async with _raw_server(_silent) as url:
        running = asyncio.create_task(check.run(http_spec(url, 5)))
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        await check.close()
        result = await running
        assert time.perf_counter() - started < 0.5
        assert result.error == "the check was stopped (Hiccup is shutting down)"


async def test_a_closed_check_runs_again(base: str) -> None:
    check = HttpCheck()
    spec = http_spec(f"{base}/ok")
    assert (await check.run(spec)).ok
    await check.close()
    assert (await check.run(spec)).ok
    await check.close()
