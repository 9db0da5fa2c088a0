"""The public 404 page's style is allowed by its hash, like every page's: no 'unsafe-inline'."""

from __future__ import annotations

import re

from hiccup.snapshot.look import csp_hash
from hiccup.snapshot.render import render_not_found
from hiccup.snapshot.wire import NOT_FOUND_CSP


def test_the_404_csp_allows_exactly_the_404_pages_inline_style() -> None:
    page = render_not_found(None)
    styles = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)
    assert len(styles) == 1
    assert f"style-src {csp_hash(styles[0])}" in NOT_FOUND_CSP
    assert "unsafe-inline" not in NOT_FOUND_CSP
    assert "<script" not in page
    assert " style=" not in page
