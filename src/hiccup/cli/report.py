"""`hiccup report`: the monthly SLA per component (and per monitor), as a table or JSON."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hiccup.cli.say import Say, console, errors
from hiccup.config.load import ConfigError, load_config
from hiccup.core.clock import SystemClock
from hiccup.core.sla import month_bounds
from hiccup.manage.report import MonthReport, SlaRow, month_report, report_json
from hiccup.store.database import create_engine, migrate

if TYPE_CHECKING:
    from rich.table import Table

DEFAULT_CONFIG = Path("hiccup.yaml")
_CONFIG_OPTION = typer.Option(
    None, "--config", "-c", help="Config file (default: ./hiccup.yaml if present)."
)


def _page_slug(path: Path | None, errors: Say) -> str | None:
    """The config's page, so a report covers the page being served; None: every page."""
    if path is None and not DEFAULT_CONFIG.exists():
        return None
    try:
        return load_config(path or DEFAULT_CONFIG).page.slug
    except ConfigError as error:
        for issue in error.issues:
            errors.print(f"[red]error[/red] {issue}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.3f}%"


def _latency(row: SlaRow) -> str:
    values = row.percentiles().values()
    return " / ".join("—" if v is None else f"{v:.0f}" if v >= 100 else f"{v:.1f}" for v in values)


def _downtime(row: SlaRow) -> str:
    """Compact: '36m', '1h 5m', '2d 3h'; exact seconds are in --json."""
    seconds = round(row.sla.downtime.total_seconds())
    if seconds == 0:
        return "none"
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return " ".join(parts[:2])


def _table(title: str, rows: tuple[SlaRow, ...], monitors: bool) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("Monitor" if monitors else "Component", overflow="fold", ratio=2)
    if monitors:
        table.add_column("Component", overflow="fold", ratio=1)
    for column in ("Uptime", "Downtime", "Outages", "Checks", "p50 / p95 / p99 ms"):
        table.add_column(column, justify="right", no_wrap=True)
    for row in rows:
        # Members sit indented under their group, as on the page.
        first = (
            [row.name, row.group or ""] if monitors else [("  " if row.group else "") + row.name]
        )
        figures = [_percent(row.sla.uptime), _downtime(row), str(row.sla.outages)]
        table.add_row(*first, *figures, str(row.latency.total), _latency(row))
    return table


def _print_tables(console: Say, report: MonthReport, with_monitors: bool) -> None:
    excluded = ", maintenance excluded" if report.exclude_maintenance else ""
    span = f"{report.start:%Y-%m-%d %H:%M} – {report.end:%Y-%m-%d %H:%M} UTC"
    console.print(_table(f"SLA {report.month} ({span}{excluded})", report.components, False))
    if with_monitors:
        console.print(_table("Monitors", report.monitors, True))


async def _build(month: str, page_slug: str | None, exclude_maintenance: bool) -> MonthReport:
    engine = create_engine()
    try:
        await migrate(engine)
        async with engine.connect() as conn:
            return await month_report(
                conn,
                month,
                SystemClock().now(),
                page_slug=page_slug,
                exclude_maintenance=exclude_maintenance,
            )
    finally:
        await engine.dispose()


def report(
    month: str = typer.Option(..., "--month", help="The month, YYYY-MM (UTC)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    monitors: bool = typer.Option(False, "--monitors", help="Add a row per monitor."),
    exclude_maintenance: bool = typer.Option(
        False, "--exclude-maintenance", help="Leave maintenance windows out of the SLA."
    ),
    config: Path | None = _CONFIG_OPTION,
) -> None:
    """Monthly SLA per component: uptime, downtime, outages and latency percentiles."""
    try:
        month_bounds(month)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--month") from None
    built = asyncio.run(_build(month, _page_slug(config, errors), exclude_maintenance))
    if as_json:
        print(json.dumps(report_json(built, with_monitors=monitors), indent=2))
    else:
        _print_tables(console, built, monitors)
