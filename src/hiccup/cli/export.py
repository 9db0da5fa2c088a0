"""`hiccup export`: the public site as static files, once or kept current with --watch."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import typer

from hiccup.cli.say import Say, console, errors
from hiccup.config.load import ConfigError, load_config
from hiccup.config.model import HiccupConfig
from hiccup.server.startup import UNREACHABLE
from hiccup.snapshot.builder import SnapshotBuilder, SnapshotHolder
from hiccup.snapshot.disk import mark_stale
from hiccup.snapshot.export import ExportReport, export_snapshot
from hiccup.snapshot.site import site_from_config, without_live
from hiccup.store.database import create_engine

log = logging.getLogger(__name__)

DEFAULT_CONFIG = Path("hiccup.yaml")
_OUT = typer.Option(..., "--out", "-o", help="Directory to write the site into.")
_WATCH = typer.Option(False, "--watch", help="Keep the export current until stopped.")
_EVERY = typer.Option(10.0, "--every", min=1.0, help="Seconds between rebuilds with --watch.")
_CONFIG = typer.Option(
    None, "--config", "-c", help="Config file (default: ./hiccup.yaml if present)."
)


def _config(path: Path | None) -> HiccupConfig | None:
    if path is None and not DEFAULT_CONFIG.exists():
        return None
    try:
        return load_config(path or DEFAULT_CONFIG)
    except ConfigError as error:
        for issue in error.issues:
            errors.print(f"[red]error[/red] {issue}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _say(console: Say, out: Path, report: ExportReport) -> None:
    if report.written or report.removed:
        console.print(
            f"{out}: {len(report.written)} written, {report.unchanged} unchanged, "
            f"{len(report.removed)} removed"
        )


async def _export(config: HiccupConfig | None, out: Path, watch: bool, every: float) -> None:
    from hiccup.server.runtime import Hiccup  # the server's modules: only for an export

    engine = create_engine()
    try:
        hiccup = Hiccup(engine, config)
        await hiccup.prepare()  # the same migrate + sync as `serve`: the page exists after it
        site = without_live(site_from_config(config).public())
        holder = SnapshotHolder()
        builder = SnapshotBuilder(
            engine, hiccup.clock, holder, hiccup.settings.page_slug, site=site
        )
        _say(console, out, export_snapshot(await builder.rebuild(), out))
        while watch:
            await asyncio.sleep(every)
            await _refresh(builder, holder, out, console)
    finally:
        await engine.dispose()


async def _refresh(builder: SnapshotBuilder, holder: SnapshotHolder, out: Path, c: Say) -> None:
    try:
        snapshot = await builder.rebuild()
    except UNREACHABLE as error:
        log.warning("database unreachable (%s); the export keeps its last state", error)
        if holder.current is not None and holder.current.stale_since is None:
            since = builder.last_success or holder.current.generated_at
            holder.publish(mark_stale(holder.current, since))
            _say(c, out, export_snapshot(holder.current, out))
        return
    _say(c, out, export_snapshot(snapshot, out))


def export(
    out: Path = _OUT,
    watch: bool = _WATCH,
    every: float = _EVERY,
    config: Path | None = _CONFIG,
) -> None:
    """Write the public site (HTML, JSON, feeds, badges) as static files for any static host."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):  # --watch runs until Ctrl-C
        asyncio.run(_export(_config(config), out, watch, every))
