"""What `hiccup import` does once its arguments are read: the importers, the checked config
written, the report, and Statuspage's incidents recorded. Imported by the commands when they
run (hiccup.cli.imports): the importers cost two megabytes that `hiccup serve` never needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from hiccup.auth.principal import Principal
from hiccup.auth.roles import Role, role_permissions
from hiccup.config.load import ConfigError
from hiccup.config.model import HiccupConfig
from hiccup.core.clock import SystemClock
from hiccup.core.incidents import IncidentStatus
from hiccup.core.status import IncidentImpact
from hiccup.importers.gatus import import_gatus
from hiccup.importers.result import ImportFailure, ImportResult, PastIncident, Tick
from hiccup.importers.statuspage_fetch import load_statuspage
from hiccup.importers.uptime_kuma import import_uptime_kuma
from hiccup.importers.write import settle
from hiccup.manage.context import Actor, Ops
from hiccup.manage.history_import import (
    HistoryReport,
    IncidentRecord,
    UpdateRecord,
    record_history,
)
from hiccup.store.database import create_engine, data_dir, database_url
from hiccup.store.dirlock import DataDirInUse, DataDirLock

console = Console()
errors = Console(stderr=True)

# Fewer items than this finish before a bar would be read.
PROGRESS_FROM = 50


@contextmanager
def _progress(what: str) -> Iterator[Tick]:
    """A tick for the importer; the bar shows only for long imports, on a terminal."""
    bar = Progress(
        TextColumn(what), BarColumn(), MofNCompleteColumn(), console=errors, transient=True
    )
    task: list[TaskID] = []

    def tick(done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        if not task:
            bar.start()
            task.append(bar.add_task(what, total=total))
        bar.update(task[0], completed=done)

    try:
        yield tick
    finally:
        bar.stop()


@contextmanager
def _checking(result: ImportResult) -> Iterator[None]:
    """A spinner while Hiccup's loader checks a long import (seconds for thousands)."""
    if len(result.config.get("monitors") or []) < PROGRESS_FROM:
        yield
        return
    with errors.status("checking the config with Hiccup's loader"):
        yield


# Printed in full at the top of the written file; the terminal gets the first ones.
SHOWN_NOTES = 25


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]error[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def _run(
    read: Callable[[Tick], ImportResult], what: str, out: Path
) -> tuple[ImportResult, HiccupConfig]:
    try:
        with _progress(what) as tick:
            result = read(tick)
        with _checking(result):
            text, config = settle(result, out)
    except ImportFailure as error:
        raise _fail(str(error)) from None
    except ConfigError as error:  # the importer wrote something Hiccup refuses: its bug
        for issue in error.issues:
            errors.print(f"[red]error[/red] {escape(str(issue))}", soft_wrap=True)
        raise _fail("the imported config does not pass `hiccup check`; nothing written") from None
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise _fail(f"{out}: cannot write: {error.strerror}") from None
    _report(result, config, out)
    return result, config


def _report(result: ImportResult, config: HiccupConfig, out: Path) -> None:
    components = sum(1 for _ in config.all_components())
    channels = len(config.notifications.channels)
    console.print(
        f"[green]wrote[/green] {escape(str(out))}: {components} components, "
        f"{len(config.monitors)} monitors, {len(config.maintenance)} maintenance windows, "
        f"{channels} notification channels, {len(config.pages) + 1} page(s)",
        highlight=False,
        soft_wrap=True,
    )
    for title, notes in (
        ("Could not map", result.unmapped),
        ("Mapped with a difference", result.changed),
    ):
        if notes:
            console.print(f"{title} ({len(notes)}):", highlight=False)
            for note in notes[:SHOWN_NOTES]:
                console.print(
                    f"  - {escape(note.item)}: {escape(note.reason)}",
                    highlight=False,
                    soft_wrap=True,
                )
            if len(notes) > SHOWN_NOTES:
                console.print(
                    f"  … and {len(notes) - SHOWN_NOTES} more (all are listed at the top "
                    f"of {escape(str(out))})",
                    highlight=False,
                    soft_wrap=True,
                )


def uptime_kuma_config(file: Path, out: Path) -> None:
    now = datetime.now(UTC)
    _run(lambda tick: import_uptime_kuma(file, now, tick), "monitors", out)


def gatus_config(file: Path, out: Path) -> None:
    now = datetime.now(UTC)
    _run(lambda tick: import_gatus(file, now, tick), "endpoints", out)


def statuspage_config(source: str, out: Path, history: bool) -> None:
    now = datetime.now(UTC)
    result, config = _run(lambda tick: load_statuspage(source, now, tick), "incidents", out)
    if not result.incidents:
        return
    if not history:
        console.print(
            f"{len(result.incidents)} incident(s) not recorded: rerun with --history to write "
            "them into the database",
            highlight=False,
        )
        return
    report = _record_or_exit(config, [_record_of(i) for i in result.incidents], out)
    console.print(
        f"[green]recorded[/green] {report.written} incident(s) in {escape(_shown_url())}"
        + (f" ({report.already_there} already there)" if report.already_there else ""),
        highlight=False,
    )


def _shown_url() -> str:
    url = database_url()
    return url.split("@", 1)[-1] if "@" in url else url  # never print a password


def _record_of(incident: PastIncident) -> IncidentRecord:
    return IncidentRecord(
        name=incident.name,
        impact=IncidentImpact(incident.impact),
        started_at=datetime.fromisoformat(incident.started_at),
        component_keys=incident.components,
        updates=tuple(
            UpdateRecord(IncidentStatus(u.status), u.body, datetime.fromisoformat(u.at))
            for u in incident.updates
        ),
        postmortem=incident.postmortem,
    )


def _record_or_exit(
    config: HiccupConfig, records: list[IncidentRecord], out: Path
) -> HistoryReport:
    where = _shown_url()
    lock = None
    try:
        if make_url(database_url()).get_backend_name() == "sqlite":
            data_dir().mkdir(parents=True, exist_ok=True)
            lock = DataDirLock(data_dir()).acquire()  # a server on it syncs its own config
        return asyncio.run(_record(config, records))
    except DataDirInUse as error:
        raise _fail(f"{error}: stop `hiccup serve` first ({out} is written)") from None
    except (SQLAlchemyError, OSError) as error:
        reason = str(error).splitlines()[0][:300]
        raise _fail(f"{where}: cannot record the incidents ({out} is written): {reason}") from None
    finally:
        if lock is not None:
            lock.release()


async def _record(config: HiccupConfig, records: list[IncidentRecord]) -> HistoryReport:
    from hiccup.server.runtime import Hiccup  # the server's modules: only for this step

    engine = create_engine()
    try:
        hiccup = Hiccup(engine, config)
        await hiccup.prepare()  # the same migrate + sync as `serve`: components exist after it
        ops = Ops(engine, SystemClock(), default_page_slug=config.page.slug)
        principal = Principal("import", "hiccup import", Role.OWNER, role_permissions(Role.OWNER))
        return await record_history(ops, Actor(principal), records)
    finally:
        await engine.dispose()
