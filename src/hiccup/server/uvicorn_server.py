"""uvicorn, when chosen over granian: ends the pages' live streams as soon as it is told to stop."""

from __future__ import annotations

from types import FrameType

import uvicorn
from starlette.types import ASGIApp

from hiccup.server.serving import close_streams


class GracefulServer(uvicorn.Server):
    """uvicorn that ends the pages' live streams as soon as it is told to stop."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        close_streams(self.config.app)
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
