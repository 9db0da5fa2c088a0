"""`--server` values: only plain http(s) base URLs, so the token goes nowhere else."""

from __future__ import annotations

import re

import pytest

from hiccup.probe.client import server_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://status.example.com/", "https://status.example.com"),
        ("https://example.com/hiccup/", "https://example.com/hiccup"),
    ],
)
def test_it_accepts_http_and_https_base_urls(raw: str, expected: str) -> None:
    assert server_url(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "status.example.com",
        "ftp://example.com",
        "http://",
        "http://example.com:99999",
        "https://user:secret@example.com",
        "https://example.com/?next=evil",
    ],
)
def test_it_refuses_anything_else(raw: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(raw))):
        server_url(raw)
