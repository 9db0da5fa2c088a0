"""`hiccup heartbeats`: each heartbeat monitor's ping URL, last ping and next deadline."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hiccup.cli.say import Say, console, errors
from hiccup.config.load import ConfigError, load_config
from hiccup.config.model import HiccupConfig
from hiccup.engine.heartbeats import schedule_or_error, sync_heartbeats
from hiccup.store.database import create_engine
from hiccup.store.heartbeats import Heartbeat, all_heartbeats
from hiccup.store.monitors import load_specs

if TYPE_CHECKING:
    from rich.table import Table

DEFAULT_CONFIG = Path("hiccup.yaml")
_CONFIG_OPTION = typer.Option(
    None, "--config", "-c", help="Config file (default: ./hiccup.yaml if present)."
)


def _config(path: Path | None, errors: Say) -> HiccupConfig | None:
    if path is None and not DEFAULT_CONFIG.exists():
        return None
    try:
        return load_config(path or DEFAULT_CONFIG)
    except ConfigError as error:
        for issue in error.issues:
            errors.print(f"[red]error[/red] {issue}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


async def _load(config: HiccupConfig | None) -> list[Heartbeat]:
    from hiccup.server.runtime import Hiccup  # the server's modules: only for this step

    engine = create_engine()
    try:
        hiccup = Hiccup(engine, config)
        # The same sync `serve` runs, so a heartbeat added to the file gets its token now.
        await hiccup.prepare()
        async with engine.begin() as conn:
            await sync_heartbeats(conn, await load_specs(conn), hiccup.clock.now())
            return await all_heartbeats(conn)
    finally:
        await engine.dispose()


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def _table(rows: list[Heartbeat], base_url: str) -> Table:
    from rich.table import Table

    table = Table(title="Heartbeat monitors", title_justify="left")
    for column in ("monitor", "schedule", "ping URL", "last ping", "due"):
        table.add_column(column)
    for row in rows:
        schedule = schedule_or_error(row.spec)
        described = schedule if isinstance(schedule, str) else schedule.describe()
        url = f"{base_url}/ping/{row.token}"
        table.add_row(row.spec.name, described, url, _when(row.last_ping_at), _when(row.due_at))
    return table


def heartbeats(config: Path | None = _CONFIG_OPTION) -> None:
    """List heartbeat monitors with their ping URLs (syncs the config first, as serve does)."""
    loaded = _config(config, errors)
    rows = asyncio.run(_load(loaded))
    if not rows:
        console.print("no heartbeat monitors")
        return
    base_url = loaded.page.url.rstrip("/") if loaded and loaded.page.url else ""
    console.print(_table(rows, base_url))
