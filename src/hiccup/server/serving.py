"""Running the app: granian (the default) or uvicorn, both stopping gracefully on SIGINT and
SIGTERM with the live-update streams closed first, so shutdown does not wait for readers.

bench/page.py measured granian at two to three times uvicorn's rate on the snapshot paths
(granian parses HTTP in Rust, off the Python thread); see docs/page.md.
"""

from __future__ import annotations

import asyncio
import errno
import signal
import socket
from types import FrameType
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from hiccup.web.public.serve import PublicServer

BACKLOG = 1024


class PortInUse(Exception):
    pass


def listen(host: str, port: int) -> socket.socket:
    """Bind and listen before anything starts, without SO_REUSEPORT.

    granian binds with SO_REUSEPORT, so a second server on the same port used to start and
    share the connections while both ran every monitor. A socket bound here is exclusive (a
    second bind fails, with or without SO_REUSEPORT), and both servers are handed this one.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise PortInUse(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock = socket.socket(family, kind, proto)
    try:
        # Only lets a restart bind over connections still in TIME_WAIT; never a second listener.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as error:
        sock.close()
        hint = " (is another hiccup serve running?)" if error.errno == errno.EADDRINUSE else ""
        raise PortInUse(f"cannot listen on {host}:{port}: {error.strerror}{hint}") from None
    return sock


def _close_streams(app: object) -> None:
    if isinstance(app, PublicServer):
        app.live.close()


class GracefulServer(uvicorn.Server):
    """uvicorn that ends the pages' live streams as soon as it is told to stop."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        _close_streams(self.config.app)
        super().handle_exit(sig, frame)


def run_uvicorn(app: ASGIApp, host: str, port: int, sock: socket.socket) -> None:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=False,
        # A stream that still hangs on (a reader mid-reconnect) is cut after this.
        timeout_graceful_shutdown=5,
    )
    GracefulServer(config).run(sockets=[sock])


def _held_socket_server(app: ASGIApp, host: str, port: int, sock: socket.socket) -> Any:
    from granian._granian import SocketHolder
    from granian.constants import Interfaces
    from granian.server.embed import Server

    class HeldSocketServer(Server):
        """Serves on the socket `listen` bound instead of binding its own (with SO_REUSEPORT).

        granian 2.8 has no option for this: on Linux `_init_shared_socket` otherwise leaves
        each worker to bind afresh; with `_ssp` None workers use `_shd`, as on other systems.
        """

        def _init_shared_socket(self) -> None:
            # The holder owns the descriptor from here and closes it.
            holder: Any = SocketHolder(sock.detach(), False, BACKLOG)  # type: ignore[call-arg]
            self._shd = holder
            self._sfd = holder.get_fd()
            self._ssp = None

    return HeldSocketServer(
        app, address=host, port=port, interface=Interfaces.ASGI, log_access=False
    )


async def _granian(app: ASGIApp, host: str, port: int, sock: socket.socket) -> None:
    server = _held_socket_server(app, host, port, sock)

    def stop() -> None:
        _close_streams(app)
        server.stop()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Embedded granian leaves signals to its host; the app's lifespan shutdown still runs.
        loop.add_signal_handler(sig, stop)
    await server.serve()


def run_granian(app: ASGIApp, host: str, port: int, sock: socket.socket) -> None:
    import uvloop

    uvloop.run(_granian(app, host, port, sock))
