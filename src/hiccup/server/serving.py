"""Running the app: granian (the default) or uvicorn, both stopping gracefully on SIGINT and
SIGTERM with the live-update streams closed first, so shutdown does not wait for readers.

bench/page.py measured granian at two to three times uvicorn's rate on the snapshot paths
(granian parses HTTP in Rust, off the Python thread); see docs/page.md.
"""

from __future__ import annotations

import asyncio
import signal

from starlette.types import ASGIApp

from hiccup.web.public.serve import PublicServer


def close_streams(app: object) -> None:
    if isinstance(app, PublicServer):
        app.live.close()


def run_uvicorn(app: ASGIApp, host: str, port: int) -> None:
    # Imported only when chosen: uvicorn brings its reloader (multiprocessing, watchfiles),
    # megabytes of memory a server under granian never uses.
    from hiccup.server.uvicorn_server import run_uvicorn as run

    run(app, host, port)


async def _granian(app: ASGIApp, host: str, port: int) -> None:
    from granian.constants import Interfaces
    from granian.server.embed import Server

    server = Server(app, address=host, port=port, interface=Interfaces.ASGI, log_access=False)

    def stop() -> None:
        close_streams(app)
        server.stop()  # type: ignore[no-untyped-call]  # granian's own code is untyped

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Embedded granian leaves signals to its host; the app's lifespan shutdown still runs.
        loop.add_signal_handler(sig, stop)
    await server.serve()


def run_granian(app: ASGIApp, host: str, port: int) -> None:
    import uvloop

    uvloop.run(_granian(app, host, port))
