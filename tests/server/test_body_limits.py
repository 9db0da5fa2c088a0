"""Request bodies are capped before anything reads them, on every route and before
authentication: an announced length over the cap is answered 413 without the body being sent at
all, a chunked body is cut off at the cap. Against the real `hiccup serve`, both servers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.raw_http import raw_exchange, status_and_headers
from tests.support.serve_process import hiccup_serve

CONFIG = """\
page: {name: Flexo Hosting}
components:
  - {name: flexo, key: flexo}
http: {max_body_bytes: 65536, max_form_bytes: 16384}
"""
HUNDRED_MB = 100 * 1024 * 1024


@pytest.fixture(scope="module", params=["granian", "uvicorn"])
def base(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with hiccup_serve(tmp_path_factory.mktemp("limits"), CONFIG, "--server", request.param) as s:
        yield s.base


def _head(path: str, kind: str, *extra: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {kind}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.mark.parametrize("path", ["/api/v1/incidents", "/admin/login", "/", "/ping/nope"])
def test_a_100_mb_announced_body_is_refused_before_a_byte_of_it_is_sent(
    base: str, path: str
) -> None:
    head = _head(path, "application/json", f"Content-Length: {HUNDRED_MB}")
    # Nothing of the body is sent: an answer at all proves the server did not wait to read it.
    status, headers = status_and_headers(raw_exchange(base, head))
    assert status == 413
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_a_chunked_body_past_the_cap_is_refused(base: str) -> None:
    head = _head("/api/v1/incidents", "application/json", "Transfer-Encoding: chunked")
    chunk = b"x" * 8192
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(10))  # 80 KiB, no end
    status, _ = status_and_headers(raw_exchange(base, head, body))
    assert status == 413


def test_a_form_has_a_smaller_cap(base: str) -> None:
    form = "application/x-www-form-urlencoded"
    status, _ = status_and_headers(
        raw_exchange(base, _head("/admin/login", form, "Content-Length: 20000"))
    )
    assert status == 413


def test_bodies_under_the_cap_reach_the_routes(base: str) -> None:
    small = httpx.post(f"{base}/api/v1/incidents", json={"title": "x" * 1000})
    assert small.status_code == 401  # authentication comes after the cap, and still happens

    def chunks() -> Iterator[bytes]:
        yield b'{"title": '
        yield b'"flexo"}'

    streamed = httpx.post(
        f"{base}/api/v1/incidents", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 401
