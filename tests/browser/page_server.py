"""Servers for the page's browser tests, each in a thread of its own (Playwright's sync API
keeps this thread's event loop): a whole Hiccup runtime, a fixed snapshot, a target to break.
Screenshots go to artifacts/browser/ at the repository's root."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from hiccup.config.load import parse_config
from hiccup.server.runtime import Hiccup, Settings
from hiccup.store.database import create_engine
from tests.support.targets import reserve_port

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


@contextmanager
def serve_in_thread(app: ASGIApp) -> Iterator[str]:
    """uvicorn on a loopback port in its own thread and loop; yields the base URL."""
    port = reserve_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="page-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise RuntimeError("the page server did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class _Welcome(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"Welcome"
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Target:
    """A web server the test takes down (connections refused) and brings back, same port."""

    def __init__(self) -> None:
        self.port = reserve_port()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _Welcome)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def wait_until_answered(database: Path, name: str = "flexo", seconds: float = 30.0) -> None:
    """Until the named monitor's check has answered once: the outage of a check never reached
    is the operator's alone (hiccup.core.reach), and the browser tests watch public ones."""
    query = (
        "SELECT s.state FROM monitor_states s JOIN monitors m ON m.id = s.monitor_id "
        "WHERE m.name = ?"
    )
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with closing(sqlite3.connect(database)) as db:
            if db.execute(query, (name,)).fetchone() == ("up",):
                return
        time.sleep(0.1)
    raise AssertionError(f"{name} never answered")


@contextmanager
def live_page(workdir: Path, config_text: str) -> Iterator[tuple[str, Target]]:
    """A whole Hiccup over `config_text` (its `{url}`: a loopback target it checks), served
    in a thread on SQLite in `workdir`: (base URL, target). The database is `hiccup.db`."""
    target = Target()
    target.start()
    config = parse_config(config_text.format(url=target.url), Path("browser.yaml"))
    engine = create_engine(f"sqlite:///{workdir / 'hiccup.db'}")
    hiccup = Hiccup(engine, config, settings=Settings(flush_seconds=0.1))
    try:
        with serve_in_thread(hiccup.app()) as base:
            yield base, target
    finally:
        target.stop()
