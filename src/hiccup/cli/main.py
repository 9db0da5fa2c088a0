"""The `hiccup` command."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from sqlalchemy import make_url

from hiccup import __version__
from hiccup.cli.accounts import config_app, user_app
from hiccup.cli.backup import backup_command, restore_command
from hiccup.cli.export import export
from hiccup.cli.heartbeats import heartbeats
from hiccup.cli.imports import import_app
from hiccup.cli.logsetup import LogFormat, LogFormatOption, configure_logging
from hiccup.cli.probe import probe
from hiccup.cli.probes import probes_app
from hiccup.cli.report import report
from hiccup.cli.say import console, errors, escape
from hiccup.config.load import ConfigError, load_config
from hiccup.config.model import HiccupConfig
from hiccup.store.database import (
    SchemaFromNewerVersion,
    create_engine,
    data_dir,
    database_url,
    database_url_for_people,
    migrate,
)
from hiccup.store.dirlock import DataDirInUse, DataDirLock

app = typer.Typer(
    help="Hiccup: uptime monitor and status page.", no_args_is_help=True, add_completion=False
)

EXAMPLE = Path(__file__).parents[1] / "resources" / "hiccup.example.yaml"
DEFAULT_CONFIG = Path("hiccup.yaml")


def _print_version(value: bool) -> None:
    if value:
        console.print(f"hiccup {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Hiccup: uptime monitor and status page."""


ConfigOption = typer.Option(
    None, "--config", "-c", help="Config file (default: ./hiccup.yaml if present)."
)


def _load_or_exit(path: Path) -> HiccupConfig:
    try:
        return load_config(path)
    except ConfigError as error:
        for issue in error.issues:
            errors.print(
                f"[red]error[/red] {escape(str(issue))}",
                highlight=False,
                markup=True,
                soft_wrap=True,
            )
        raise typer.Exit(1) from None


def _resolve_config(path: Path | None) -> HiccupConfig | None:
    if path is None:
        return _load_or_exit(DEFAULT_CONFIG) if DEFAULT_CONFIG.exists() else None
    return _load_or_exit(path)


@app.command()
def init(
    path: Path = typer.Option(
        DEFAULT_CONFIG, "--config", "-c", help="Where to write the example config."
    ),
) -> None:
    """Write a commented example hiccup.yaml and create the database."""
    if path.exists():
        errors.print(f"{path} exists already; not overwriting it.")
    else:
        path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
        console.print(f"wrote {path}")

    async def create() -> None:
        engine = create_engine()
        try:
            await migrate(engine)
        finally:
            await engine.dispose()

    asyncio.run(create())
    console.print(f"database ready: {database_url_for_people()}", highlight=False)


@app.command("migrate")
def migrate_command() -> None:
    """Bring the database's schema to this version's (`serve` also does it at start)."""

    async def run() -> tuple[set[str], set[str]]:
        engine = create_engine()
        try:
            return await migrate(engine)
        finally:
            await engine.dispose()

    # With SQLite no server may be writing meanwhile (PostgreSQL: stop the servers first).
    lock = _sqlite_lock_or_exit()
    try:
        before, after = asyncio.run(run())
    except (ValueError, SchemaFromNewerVersion) as error:  # a URL Hiccup cannot use, or
        errors.print(f"error: {error}", highlight=False, soft_wrap=True)  # a newer schema
        raise typer.Exit(1) from None
    finally:
        if lock is not None:
            lock.release()
    where = database_url_for_people()
    if before == after:
        console.print(
            f"database {where} is current (schema {_revisions(after)})",
            highlight=False,
            soft_wrap=True,
        )
    else:
        was = _revisions(before) if before else "empty"
        console.print(
            f"database {where} upgraded: schema {was} -> {_revisions(after)}",
            highlight=False,
            soft_wrap=True,
        )


def _sqlite_lock_or_exit() -> DataDirLock | None:
    if make_url(database_url()).get_backend_name() != "sqlite":
        return None
    try:
        return DataDirLock(data_dir()).acquire()
    except DataDirInUse as error:
        errors.print(f"error: {error}: stop Hiccup first", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _revisions(revisions: set[str]) -> str:
    return "+".join(sorted(revisions))


@app.command()
def check(config: Path | None = ConfigOption) -> None:
    """Validate a config file; every error names file, line and field."""
    path = config or DEFAULT_CONFIG
    loaded = _load_or_exit(path)
    console.print(
        f"[green]ok[/green] {path}: page {loaded.page.name!r}, "
        f"{sum(1 for _ in loaded.all_components())} components, {len(loaded.monitors)} monitors"
    )


@app.command()
def serve(
    config: Path | None = ConfigOption,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    server: str = typer.Option(
        "granian", help="HTTP server: granian (the default, fastest on the page), or uvicorn."
    ),
    header_timeout: float = typer.Option(
        10.0,
        help="Seconds a client has to send a whole request header; also closes idle "
        "keep-alive connections.",
    ),
    max_connections: int = typer.Option(
        16384,
        help="Connections held at once (live streams take at most 3/4 of them); the open-file "
        "limit is raised to fit.",
    ),
    log_format: LogFormat = LogFormatOption,
) -> None:
    """Run the web server, scheduler and workers in one process."""
    loaded = _resolve_config(config)
    if loaded is None:
        errors.print("no config: pass --config FILE or run `hiccup init` to write ./hiccup.yaml")
        raise typer.Exit(1)
    configure_logging(log_format)
    if server not in ("uvicorn", "granian"):
        errors.print(f"unknown --server {server!r}: use uvicorn or granian")
        raise typer.Exit(2)
    from hiccup.web.limits import ServeLimits

    try:
        limits = ServeLimits(header_timeout, max_connections, backlog=min(4096, max_connections))
    except ValueError as error:
        errors.print(f"error: {error}")
        raise typer.Exit(2) from None
    # The server's modules are imported only by the commands that run it: every other
    # command starts in a third of the time.
    from hiccup.cli.serve import start_serving

    handed = [loaded]  # handed over, not kept here: the server lets its monitors go once synced
    del loaded
    start_serving(handed, host, port, server, limits)


@app.command()
def demo(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    log_format: LogFormat = LogFormatOption,
) -> None:
    """A live demo: local targets that fail now and then, SQLite, no network needed."""
    from hiccup.cli.demo import run_demo

    configure_logging(log_format)
    run_demo(host, port, console)


app.command()(report)


app.command()(heartbeats)


app.command()(export)


app.command()(probe)
app.command("backup")(backup_command)
app.command("restore")(restore_command)


app.add_typer(user_app, name="user")
app.add_typer(config_app, name="config")
app.add_typer(probes_app, name="probes")
app.add_typer(import_app, name="import")


def main() -> None:
    app()
