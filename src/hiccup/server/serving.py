"""Running the app: granian (the default) or uvicorn, both stopping gracefully on SIGINT and
SIGTERM with the live-update streams closed first, so shutdown does not wait for readers.

bench/page.py measured granian at two to three times uvicorn's rate on the snapshot paths
(granian parses HTTP in Rust, off the Python thread); see docs/page.md.
"""

from __future__ import annotations

import asyncio
import signal
from types import FrameType

import uvicorn
from starlette.types import ASGIApp

from hiccup.web.public.serve import PublicServer


def _close_streams(app: object) -> None:
    if isinstance(app, PublicServer):
        app.live.close()


class GracefulServer(uvicorn.Server):
    """uvicorn that ends the pages' live streams as soon as it is told to stop."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        _close_streams(self.config.app)
        super().handle_exit(sig, frame)


def run_uvicorn(app: ASGIApp, host: str, port: int) -> None:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=False,
        # A stream that still hangs on (a reader mid-reconnect) is cut after this.
        timeout_graceful_shutdown=5,
    )
    GracefulServer(config).run()


async def _granian(app: ASGIApp, host: str, port: int) -> None:
    from granian.constants import Interfaces
    from granian.server.embed import Server

    server = Server(app, address=host, port=port, interface=Interfaces.ASGI, log_access=False)

    def stop() -> None:
        _close_streams(app)
        server.stop()  # type: ignore[no-untyped-call]  # granian's own code is untyped

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Embedded granian leaves signals to its host; the app's lifespan shutdown still runs.
        loop.add_signal_handler(sig, stop)
    await server.serve()


def run_granian(app: ASGIApp, host: str, port: int) -> None:
    import uvloop

    uvloop.run(_granian(app, host, port))
