"""Every public address of the site is documented in docs/api.md: derived from a rendered
snapshot, so a new kind of asset cannot go undocumented."""

from __future__ import annotations

import re
from pathlib import Path

from hiccup.snapshot.builder import render_snapshot
from tests.support.site_fixtures import site_state

API = Path(__file__).parents[2] / "docs" / "api.md"

PATTERNS = [
    (r"^/incidents/[^/]+$", "/incidents/<id>"),
    (r"^/maintenance/[^/]+$", "/maintenance/<id>"),
    (r"^/history/\d+$", "/history/<n>"),
    (r"^/badge/(?!uptime|status|response)[^/]+/", "/badge/<key>/"),
    (r"uptime-(24h|7d|30d|90d)\.", "uptime-<window>."),
]


def route_of(path: str) -> str:
    for pattern, replacement in PATTERNS:
        path = re.sub(pattern, replacement, path)
    return path


def test_every_asset_of_the_site_is_documented() -> None:
    text = API.read_text()
    routes = {route_of(path) for path in render_snapshot(site_state()).assets}
    missing = sorted(r for r in routes | {"/live", "/p/<slug>/"} if f"`GET {r}`" not in text)
    assert not missing, f"undocumented in docs/api.md: {missing}"
