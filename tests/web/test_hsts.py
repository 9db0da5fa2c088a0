"""Strict-Transport-Security on every answer (admin, API, public page, errors) when the page's
url is https; none for a plain-http page or with `http.hsts_max_age: 0`."""

from __future__ import annotations

import pytest

from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import client_for, example_config, running

PATHS = ["/", "/api/v2/summary.json", "/admin/login", "/api/v1/monitors", "/nope", "/healthz"]


def _config(url: str, http: str = "") -> str:
    return f"page: {{name: Flexo Hosting, url: '{url}'}}\ncomponents: [{{name: flexo}}]\n{http}"


async def test_an_https_page_pins_browsers_to_https_on_every_answer(engine: AsyncEngine) -> None:
    config = example_config(_config("https://status.example.com"))
    async with running(engine, config) as hiccup, client_for(hiccup) as client:
        for path in PATHS:
            answer = await client.get(path)
            assert answer.headers["strict-transport-security"] == "max-age=31536000", path


@pytest.mark.parametrize(
    ("url", "http"),
    [
        ("http://status.example.com", ""),
        ("https://status.example.com", "http: {hsts_max_age: 0}"),
    ],
)
async def test_no_hsts_for_plain_http_or_when_turned_off(
    engine: AsyncEngine, url: str, http: str
) -> None:
    config = example_config(_config(url, http))
    async with running(engine, config) as hiccup, client_for(hiccup) as client:
        for path in PATHS:
            assert "strict-transport-security" not in (await client.get(path)).headers


async def test_the_max_age_is_configurable(engine: AsyncEngine) -> None:
    config = example_config(
        _config(
            "https://status.example.com",
            "http: {hsts_max_age: 600, hsts_include_subdomains: true}",
        )
    )
    async with running(engine, config) as hiccup, client_for(hiccup) as client:
        answer = await client.get("/")
    assert answer.headers["strict-transport-security"] == "max-age=600; includeSubDomains"
