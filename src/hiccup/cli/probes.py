"""`hiccup probes add|list|revoke`: the tokens remote probes sign in with, and their health."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from hiccup.cli.accounts import _in_database
from hiccup.cli.say import console, errors
from hiccup.config.model import REGION_PATTERN
from hiccup.core.clock import SystemClock
from hiccup.store import audit
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.probe_health import ProbeEvent, recent_events
from hiccup.store.probes import ProbeExists, ProbeInfo, add_probe, list_probes, revoke_probe

if TYPE_CHECKING:
    from rich.table import Table

probes_app = typer.Typer(help="Manage remote probes and their tokens.", no_args_is_help=True)


@probes_app.command("add")
def add(name: Annotated[str, typer.Argument(help="The probe's name, e.g. eu-1.")]) -> None:
    """Create a probe and print its token (shown once; it can only probe)."""
    if not re.match(REGION_PATTERN, name) or name in ("local", "all"):
        errors.print(f"[red]error[/red] probe name {name!r}: use a-z, 0-9, _ and - (not local/all)")
        raise typer.Exit(1)

    async def work(conn: AsyncConnection) -> str:
        now = SystemClock().now()
        token = await add_probe(conn, name, now)
        await audit.record(conn, now, "cli", "probe.create", f"probe {name}", "")
        return token

    try:
        token = _in_database(work)
    except ProbeExists as error:
        errors.print(f"[red]error[/red] {error}")
        raise typer.Exit(1) from None
    console.print(f"created probe {name}; its token (shown once):", highlight=False)
    print(token)


@probes_app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="The probe's name.")]) -> None:
    """Revoke a probe's token: its next upload is refused."""

    async def work(conn: AsyncConnection) -> bool:
        now = SystemClock().now()
        done = await revoke_probe(conn, name, now)
        if done:
            await audit.record(conn, now, "cli", "probe.revoke", f"probe {name}", "")
        return done

    if not _in_database(work):
        errors.print(f"[red]error[/red] no probe called {name!r}")
        raise typer.Exit(1)
    console.print(f"revoked probe {name}")


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def _probes_table(rows: list[ProbeInfo]) -> Table:
    from rich.table import Table

    table = Table(title="Probes", title_justify="left")
    for column in ("probe", "region", "last seen", "health", "token"):
        table.add_column(column)
    for row in rows:
        health = "healthy" if row.healthy else f"unhealthy: {row.health_reason}"
        table.add_row(
            row.name, row.region or "—", _when(row.last_seen_at), health, row.prefix + "…"
        )
    return table


def _events_table(rows: list[ProbeEvent]) -> Table:
    from rich.table import Table

    table = Table(title="Recent probe health changes", title_justify="left")
    for column in ("at", "probe", "monitor", "change"):
        table.add_column(column)
    for event in rows:
        change = "healthy again" if event.healthy else f"unhealthy: {event.reason}"
        table.add_row(_when(event.at), event.probe, event.monitor_name or "—", change)
    return table


@probes_app.command("list")
def list_command() -> None:
    """Every probe: region, last upload, health, and the latest health changes."""

    async def work(conn: AsyncConnection) -> tuple[list[ProbeInfo], list[ProbeEvent]]:
        return await list_probes(conn), await recent_events(conn, 20)

    rows, events = _in_database(work)
    console.print(_probes_table(rows))
    if events:
        console.print(_events_table(events))
