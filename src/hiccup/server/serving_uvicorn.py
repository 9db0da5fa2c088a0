"""uvicorn, the alternative to granian (`hiccup serve --server uvicorn`): its own module so a
granian server never imports it."""

from __future__ import annotations

import socket
from types import FrameType

import uvicorn
from starlette.types import ASGIApp

from hiccup.server.streams import close_streams, leave_room_for_visitors
from hiccup.web.limits import ServeLimits
from hiccup.web.uvicorn_guard import guarded_protocol


class GracefulServer(uvicorn.Server):
    """uvicorn that ends the pages' live streams as soon as it is told to stop."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        close_streams(self.config.app)
        super().handle_exit(sig, frame)


def run_uvicorn(
    app: ASGIApp, host: str, port: int, limits: ServeLimits, sock: socket.socket
) -> None:
    leave_room_for_visitors(app, limits)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=guarded_protocol(limits),
        # The stdlib loop, not uvloop: under a 1,000-connection keep-alive flood uvloop left
        # new connections unaccepted until the flood ended (bench/pressure.py); asyncio's
        # accepts a batch each turn, so a new visitor waits a turn, not the whole flood.
        loop="asyncio",
        backlog=limits.backlog,
        log_level="info",
        # uvicorn's own handlers would bypass the format `serve` chose (text or JSON): its
        # loggers propagate to the root handler instead.
        log_config=None,
        proxy_headers=False,
        # A stream that still hangs on (a reader mid-reconnect) is cut after this.
        timeout_graceful_shutdown=5,
    )
    GracefulServer(config).run(sockets=[sock])
