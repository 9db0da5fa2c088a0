"""Fixtures' data for the importer tests: a kuma.db built from Kuma's schema, and a
Statuspage v2 API served on loopback from the saved JSON files."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

FIXTURES = Path(__file__).parent / "fixtures"
STATUSPAGE = FIXTURES / "statuspage"
# The importers' `now` in these tests: after the fixtures' past, before their planned windows.
NOW = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)


def build_kuma_db(path: Path) -> Path:
    """A kuma.db with Kuma 1.23's tables (tests/importers/fixtures/kuma-schema.sql) and data."""
    db = sqlite3.connect(path)
    try:
        db.executescript((FIXTURES / "kuma-schema.sql").read_text(encoding="utf-8"))
        db.executescript((FIXTURES / "kuma-data.sql").read_text(encoding="utf-8"))
        db.commit()
    finally:
        db.close()
    return path


class _StatuspageApi(BaseHTTPRequestHandler):
    files: ClassVar[dict[str, str]] = {
        "/api/v2/summary.json": "summary.json",
        "/api/v2/incidents.json": "incidents.json",
        "/api/v2/scheduled-maintenances.json": "scheduled-maintenances.json",
    }
    # Paths a test asked to answer otherwise: path -> (status, body).
    overrides: ClassVar[dict[str, tuple[int, bytes]]] = {}

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in self.overrides:
            status, body = self.overrides[path]
        elif path in self.files:
            status, body = 200, (STATUSPAGE / self.files[path]).read_bytes()
        else:
            status, body = 404, b'{"error": "not found"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test output is the importer's."""


@contextmanager
def statuspage_api(overrides: dict[str, tuple[int, bytes]] | None = None) -> Iterator[str]:
    """The fixture page's API on 127.0.0.1; yields its base URL."""
    handler = type("Handler", (_StatuspageApi,), {"overrides": dict(overrides or {})})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
