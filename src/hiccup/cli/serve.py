"""`hiccup serve`: claim the port and data directory, build the server, run it."""

from __future__ import annotations

import socket

import typer
from sqlalchemy import make_url

from hiccup.cli.say import errors
from hiccup.config.model import HiccupConfig
from hiccup.server.arenas import limit_malloc_arenas
from hiccup.server.heap import freeze_startup_heap
from hiccup.server.runtime import Hiccup, Settings
from hiccup.server.serving import PortInUse, listen, run_granian, run_uvicorn
from hiccup.store.database import create_engine, data_dir, database_url
from hiccup.store.dirlock import DataDirInUse, DataDirLock
from hiccup.web.limits import ServeLimits, fit_to_file_limit


def run_server(
    hiccup: Hiccup,
    host: str,
    port: int,
    server: str = "granian",
    limits: ServeLimits | None = None,
    sock: socket.socket | None = None,
) -> None:
    # Both stop gracefully, closing the page's live-update streams first (hiccup.server.serving).
    run = run_granian if server == "granian" else run_uvicorn
    fitted = fit_to_file_limit(limits or ServeLimits())
    app = hiccup.app()
    freeze_startup_heap()  # after the app is built: everything loaded so far stays
    run(app, host, port, fitted, sock or listen(host, port, fitted.backlog))


def _claim(host: str, port: int, backlog: int) -> tuple[DataDirLock | None, socket.socket]:
    """This server's data directory (SQLite) and port, before anything starts; else exit 1."""
    lock = None
    try:
        if make_url(database_url()).get_backend_name() == "sqlite":
            lock = DataDirLock(data_dir()).acquire()
        return lock, listen(host, port, backlog)
    except DataDirInUse as error:
        errors.print(
            f"error: {error}: one SQLite database serves one server "
            "(several servers need PostgreSQL, see docs/scaling.md)",
            highlight=False,
            soft_wrap=True,
        )
    except PortInUse as error:
        if lock is not None:
            lock.release()
        errors.print(f"error: {error}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def start_serving(
    handed: list[HiccupConfig], host: str, port: int, server: str, limits: ServeLimits
) -> None:
    """Serve the config in `handed`, taken out of it: a caller's reference (an argument on its
    stack) would keep every parsed monitor for the process's life."""
    loaded = handed.pop()
    data_dir().mkdir(parents=True, exist_ok=True)
    limit_malloc_arenas()  # before any of the server's threads start
    # Held for the process's life: a second server on this port or SQLite database exits here.
    _lock, sock = _claim(host, port, limits.backlog)
    # The page's snapshot on disk: served at the next start even if the database is gone.
    try:
        settings = Settings(
            page_slug=loaded.page.slug,
            snapshot_dir=data_dir() / "snapshot",
            alert_spool_dir=data_dir() / "alert-spool",
            migrate_apart=True,
        )
        engine = create_engine()
    except ValueError as error:  # an environment variable out of range (HICCUP_LEASE_SECONDS)
        errors.print(f"error: {error}")
        raise typer.Exit(2) from None
    hiccup = Hiccup(engine, loaded, settings=settings)
    # The one-time setup link is printed with an address people can open.
    hiccup.admin.base_url = hiccup.admin.base_url or f"http://{host}:{port}"
    del loaded  # held by `hiccup` alone, which lets its monitors go once synced
    run_server(hiccup, host, port, server, limits, sock)
