"""`hiccup import uptime-kuma|statuspage|gatus`: another tool's setup as a hiccup.yaml.

Each command writes the file (never over an existing one without --force), checked with
Hiccup's own loader, then lists what it could not map and why.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hiccup.cli.say import errors

import_app = typer.Typer(
    help="Bring in monitors, pages and alerts from Uptime Kuma, Statuspage or Gatus.",
    no_args_is_help=True,
)

_OUT = typer.Option(Path("hiccup.yaml"), "--out", "-o", help="Where to write the config.")
_FORCE = typer.Option(False, "--force", help="Overwrite --out if it exists.")


def _refuse_overwrite(out: Path, force: bool) -> None:
    if out.exists() and not force:
        errors.print(f"error: {out} exists already; pass --force to overwrite it", highlight=False)
        raise typer.Exit(1)


@import_app.command("uptime-kuma")
def uptime_kuma(
    file: Path = typer.Argument(..., help="A JSON backup (1.x) or the kuma.db SQLite database."),
    out: Path = _OUT,
    force: bool = _FORCE,
) -> None:
    """Monitors, status pages, maintenance and notifications from Uptime Kuma."""
    _refuse_overwrite(out, force)
    from hiccup.cli.import_run import uptime_kuma_config

    uptime_kuma_config(file, out)


@import_app.command("gatus")
def gatus(
    file: Path = typer.Argument(..., help="Gatus's config.yaml."),
    out: Path = _OUT,
    force: bool = _FORCE,
) -> None:
    """Endpoints (with the conditions that map), groups, alerting and maintenance from Gatus."""
    _refuse_overwrite(out, force)
    from hiccup.cli.import_run import gatus_config

    gatus_config(file, out)


_HISTORY = typer.Option(
    False,
    "--history",
    help="Also record the incidents (with their updates) in the database: the written config "
    "is synced into it first, as `hiccup serve` would.",
)


@import_app.command("statuspage")
def statuspage(
    source: str = typer.Argument(
        ..., help="The page's URL (its /api/v2 is read) or a saved summary.json."
    ),
    out: Path = _OUT,
    force: bool = _FORCE,
    history: bool = _HISTORY,
) -> None:
    """Components, groups, scheduled maintenance and incidents from a Statuspage page."""
    _refuse_overwrite(out, force)
    from hiccup.cli.import_run import statuspage_config

    statuspage_config(source, out, history)
