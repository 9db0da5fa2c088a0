"""`hiccup probe`: the remote probe agent's command line."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import re
import signal
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from hiccup.auth.secrets import PROBE_TOKEN_PREFIX
from hiccup.cli.logsetup import LogFormat, LogFormatOption, configure_logging
from hiccup.cli.say import errors
from hiccup.config.model import REGION_PATTERN

if TYPE_CHECKING:
    from hiccup.probe.agent import AgentSettings

# The agent (and aiohttp, its client) is imported when the command runs: every other command,
# `hiccup serve` first, would otherwise load it and keep it in memory for nothing.

log = logging.getLogger(__name__)

TOKEN_ENV = "HICCUP_PROBE_TOKEN"
_REGION = re.compile(REGION_PATTERN)

_SERVER = typer.Option(
    ...,
    "--server",
    help="The Hiccup server's URL; give it again for more servers (tried in turn on failure).",
)
_TOKEN = typer.Option(
    "",
    "--token",
    envvar=TOKEN_ENV,
    show_default=False,
    help=f"The probe's token (`hiccup probes add NAME`); prefer the {TOKEN_ENV} variable.",
)
_REGION_OPTION = typer.Option(..., "--region", help="The region this agent checks from, e.g. eu.")
_BUFFER = typer.Option(
    None,
    "--buffer",
    help="Directory for buffered results (default: $XDG_STATE_HOME/hiccup-probe/REGION, "
    "i.e. ~/.local/state/hiccup-probe/REGION).",
)
_BUFFER_MAX = typer.Option(
    64.0, "--buffer-max-mb", help="Most MiB of results kept while the server is away."
)
_CONCURRENCY = typer.Option(64, "--concurrency", help="Checks in flight at once, at most.")
_MAX_BACKOFF = typer.Option(
    120.0, "--max-backoff", help="Longest wait in seconds between tries to reach the server."
)


def default_buffer_dir(region: str) -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "hiccup-probe" / region


def probe(
    server: list[str] = _SERVER,
    token: str = _TOKEN,
    region: str = _REGION_OPTION,
    buffer: Path | None = _BUFFER,
    buffer_max_mb: float = _BUFFER_MAX,
    concurrency: int = _CONCURRENCY,
    max_backoff: float = _MAX_BACKOFF,
    log_format: LogFormat = LogFormatOption,
) -> None:
    """Run a remote probe: check what the server assigns to REGION and upload the results."""
    from hiccup.probe.spool import BufferBusy

    settings = _settings(server, token, region, buffer, buffer_max_mb, concurrency, max_backoff)
    configure_logging(log_format)
    try:
        asyncio.run(_run(settings))
    except BufferBusy as error:
        _fail(str(error))


def _settings(
    servers: list[str],
    token: str,
    region: str,
    buffer: Path | None,
    buffer_max_mb: float,
    concurrency: int,
    max_backoff: float,
) -> AgentSettings:
    from hiccup.probe.agent import PROBE_RETRY, AgentSettings
    from hiccup.probe.client import server_url

    try:
        urls = [server_url(server) for server in servers]
    except ValueError as error:
        _fail(f"--server {error}")
    _check_token(token.strip())
    if not _REGION.match(region):
        _fail(f"--region {region!r}: use a-z, 0-9, _ and - (at most 64 characters)")
    if buffer_max_mb <= 0 or concurrency < 1 or max_backoff <= 0:
        _fail("--buffer-max-mb and --max-backoff must be positive, --concurrency at least 1")
    cap = timedelta(seconds=max(max_backoff, PROBE_RETRY.base.total_seconds()))
    return AgentSettings(
        servers=urls,
        token=token.strip(),
        region=region,
        buffer_dir=buffer or default_buffer_dir(region),
        buffer_max_bytes=max(1, int(buffer_max_mb * 2**20)),
        concurrency=concurrency,
        retry=dataclasses.replace(PROBE_RETRY, cap=cap),
    )


def _check_token(token: str) -> None:
    if not token:
        _fail(f"no token: set {TOKEN_ENV} (or pass --token); `hiccup probes add NAME` makes one")
    if not token.startswith(PROBE_TOKEN_PREFIX):
        _fail(f"not a probe token: probe tokens start with {PROBE_TOKEN_PREFIX}")


async def _run(settings: AgentSettings) -> None:
    from hiccup.probe.agent import Agent

    agent = Agent(settings)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, agent.stop)
    log.info(
        "probe agent for region %s: servers %s, buffer %s",
        settings.region,
        ", ".join(settings.servers),
        settings.buffer_dir,
    )
    await agent.run()


def _fail(message: str) -> NoReturn:
    errors.print(f"[red]error[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)
