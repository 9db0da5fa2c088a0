"""The outermost layer answers what nothing behind it could: an exception raised before any
response is a 500 with the security headers, and they are added to every answer."""

from __future__ import annotations

import httpx
from starlette.types import Receive, Scope, Send

from hiccup.web.edge import Edge, hsts_value

HEADERS = {"x-content-type-options": "nosniff", "content-security-policy": "default-src 'none'"}


async def _broken(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("a bug in front of the framework")


async def test_an_exception_before_any_answer_is_a_500_with_the_security_headers() -> None:
    app = Edge(_broken, headers=HEADERS, max_body=1024, max_form=1024)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.get("/api/v1/x")
    assert answer.status_code == 500
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-security-policy"] == "default-src 'none'"
    assert answer.json()["error"]["code"] == "internal_error"


def test_hsts_only_for_an_https_page_and_a_positive_max_age() -> None:
    assert hsts_value("https://status.example.com", 300) == "max-age=300"
    assert hsts_value("HTTPS://status.example.com", 300, include_subdomains=True) == (
        "max-age=300; includeSubDomains"
    )
    assert hsts_value("http://status.example.com", 300) is None
    assert hsts_value("", 300) is None
    assert hsts_value("https://status.example.com", 0) is None
