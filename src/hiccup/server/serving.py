"""Running the app: granian (the default) or uvicorn, both stopping gracefully on SIGINT and
SIGTERM with the live-update streams closed first, so shutdown does not wait for readers.

bench/page.py measured granian at two to three times uvicorn's rate on the snapshot paths
(granian parses HTTP in Rust, off the Python thread); see docs/page.md. Both get the same
limits (hiccup.web.limits) so that no handful of clients can stop them answering.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
import socket
from typing import Any

from starlette.types import ASGIApp

from hiccup.server.streams import close_streams, leave_room_for_visitors
from hiccup.web.limits import ServeLimits

BACKLOG = 1024


class PortInUse(Exception):
    pass


def listen(host: str, port: int, backlog: int = BACKLOG) -> socket.socket:
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
        sock.listen(backlog)
    except OSError as error:
        sock.close()
        hint = " (is another hiccup serve running?)" if error.errno == errno.EADDRINUSE else ""
        raise PortInUse(f"cannot listen on {host}:{port}: {error.strerror}{hint}") from None
    return sock


def run_uvicorn(
    app: ASGIApp, host: str, port: int, limits: ServeLimits, sock: socket.socket
) -> None:
    # Imported here: uvicorn (and its reloaders) weighs a few MB that a granian server never uses.
    from hiccup.server.serving_uvicorn import run_uvicorn as run

    run(app, host, port, limits, sock)


class NotExperimental(logging.Filter):
    """Drops granian's "Embedded server is experimental!" warning.

    Hiccup runs granian embedded (granian.server.embed) on purpose: in its own event loop,
    beside the scheduler and workers, on the socket `listen` bound. The label is about that
    API's stability across granian versions, which the pinned version and the tests that run
    `hiccup serve` cover; it says nothing an operator can act on, so it is not logged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "experimental" not in record.getMessage()


# granian's loggers pass their lines to the root handler `serve` set up (text or JSON) instead
# of granian's own handlers on stdout; granian merges this over its default config.
GRANIAN_LOGGING: dict[str, Any] = {
    "filters": {"not_experimental": {"()": NotExperimental}},
    "loggers": {
        "_granian": {"level": "INFO", "propagate": True, "filters": ["not_experimental"]},
        "granian.access": {"level": "INFO", "propagate": True},
    },
}


def _held_socket_server(
    app: ASGIApp, host: str, port: int, limits: ServeLimits, sock: socket.socket
) -> Any:
    from granian._granian import SocketHolder
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.server.embed import Server

    class HeldSocketServer(Server):
        """Serves on the socket `listen` bound instead of binding its own (with SO_REUSEPORT).

        granian 2.8 has no option for this: on Linux `_init_shared_socket` otherwise leaves
        each worker to bind afresh; with `_ssp` None workers use `_shd`, as on other systems.
        """

        def _init_shared_socket(self) -> None:
            # The holder owns the descriptor from here and closes it.
            holder: Any = SocketHolder(sock.detach(), False, limits.backlog)  # type: ignore[call-arg]
            self._shd = holder
            self._sfd = holder.get_fd()
            self._ssp = None

    return HeldSocketServer(
        app,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        log_access=False,
        # HTTP/1 only: the header timeout is an HTTP/1 setting, and cleartext HTTP/2, which
        # no browser speaks, would have let a client hold a connection without one.
        http=HTTPModes.http1,
        # hyper starts this timer whenever a connection waits for a request head, so it also
        # closes idle keep-alive connections.
        http1_settings=HTTP1Settings(header_read_timeout=round(limits.header_timeout * 1000)),
        # One permit per connection, held until it closes: this is the connection cap.
        backpressure=limits.max_connections,
        backlog=limits.backlog,
        log_dictconfig=GRANIAN_LOGGING,
    )


async def _granian(
    app: ASGIApp, host: str, port: int, limits: ServeLimits, sock: socket.socket
) -> None:
    server = _held_socket_server(app, host, port, limits, sock)

    def stop() -> None:
        close_streams(app)
        server.stop()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Embedded granian leaves signals to its host; the app's lifespan shutdown still runs.
        loop.add_signal_handler(sig, stop)
    await server.serve()


def run_granian(
    app: ASGIApp, host: str, port: int, limits: ServeLimits, sock: socket.socket
) -> None:
    import uvloop

    leave_room_for_visitors(app, limits)
    uvloop.run(_granian(app, host, port, limits, sock))
