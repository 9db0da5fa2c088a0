"""`hiccup user add|passwd|totp-off|list` and `hiccup config export`."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from hiccup.auth.passwords import hash_password, password_problem
from hiccup.auth.roles import Role
from hiccup.cli.say import console, errors
from hiccup.config.yamlsource import YamlSyntaxError, load_yaml
from hiccup.core.clock import SystemClock
from hiccup.store import accounts, audit, recovery_codes
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.config_export import NothingToExport, dump, export_document
from hiccup.store.database import create_engine, migrate

user_app = typer.Typer(help="Manage admin users.", no_args_is_help=True)
config_app = typer.Typer(
    help="Move configuration between the database and hiccup.yaml.", no_args_is_help=True
)
T = TypeVar("T")

PasswordStdin = typer.Option(False, "--password-stdin", help="Read the password from stdin.")


def _in_database(work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_engine()
        try:
            await migrate(engine)
            async with engine.begin() as conn:
                return await work(conn)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if (problem := password_problem(password)) is not None:
        errors.print(f"[red]error[/red] password {problem}")
        raise typer.Exit(1)
    return password


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[Role, typer.Option("--role", help="owner, editor or viewer.")] = Role.VIEWER,
    password_stdin: bool = PasswordStdin,
) -> None:
    """Create a user (the first one is usually `--role owner`)."""
    hashed = asyncio.run(hash_password(_password(password_stdin)))

    async def work(conn: AsyncConnection) -> bool:
        if await accounts.user_by_name(conn, name) is not None:
            return False
        now = SystemClock().now()
        await accounts.create_user(conn, name, role, hashed, now)
        await audit.record(conn, now, "cli", "user.create", f"user {name}", role.value)
        return True

    if not _in_database(work):
        errors.print(f"[red]error[/red] a user called {name!r} exists already")
        raise typer.Exit(1)
    console.print(f"created {role.value} {name}")


@user_app.command("passwd")
def passwd(
    name: Annotated[str, typer.Argument(help="Login name.")], password_stdin: bool = PasswordStdin
) -> None:
    """Set a user's password (and log them out everywhere)."""
    hashed = asyncio.run(hash_password(_password(password_stdin)))

    async def work(conn: AsyncConnection) -> bool:
        user = await accounts.user_by_name(conn, name)
        if user is None:
            return False
        now = SystemClock().now()
        await accounts.update_user(conn, user.id, now, password_hash=hashed)
        await accounts.end_user_sessions(conn, user.id)
        await audit.record(conn, now, "cli", "user.password", f"user {name}")
        return True

    if not _in_database(work):
        errors.print(f"[red]error[/red] no user called {name!r}")
        raise typer.Exit(1)
    console.print(f"password of {name} changed")


@user_app.command("totp-off")
def totp_off(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Turn a user's TOTP off, with their recovery codes (a lost phone and no codes left), and
    log them out everywhere; they may enrol again under their account."""

    async def work(conn: AsyncConnection) -> bool:
        user = await accounts.user_by_name(conn, name)
        if user is None:
            return False
        now = SystemClock().now()
        await accounts.update_user(conn, user.id, now, totp_enabled=False, totp_secret=None)
        await recovery_codes.drop_codes(conn, user.id)
        await accounts.end_user_sessions(conn, user.id)
        await audit.record(conn, now, "cli", "account.totp_disable", f"user {name}")
        return True

    if not _in_database(work):
        errors.print(f"[red]error[/red] no user called {name!r}")
        raise typer.Exit(1)
    console.print(f"TOTP of {name} is off; their sessions ended")


@user_app.command("list")
def list_users() -> None:
    """List users with their role and second factor."""
    found = _in_database(accounts.list_users)
    from rich.table import Table

    table = Table("name", "role", "TOTP", "state")
    for user in found:
        state = "disabled" if user.disabled else "active"
        table.add_row(user.name, user.role.value, "on" if user.totp_enabled else "off", state)
    console.print(table)


def _current(path: Path | None) -> dict[str, Any] | None:
    source = path or Path("hiccup.yaml")
    if not source.exists():
        return None
    try:
        data = load_yaml(source.read_text(encoding="utf-8"), source)
    except YamlSyntaxError as error:
        errors.print(f"[red]error[/red] {source}:{error.line}: {error.message}")
        raise typer.Exit(1) from None
    return data if isinstance(data, dict) else None


@config_app.command("export")
def export(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here (default: stdout).")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Current config, for sections the database lacks."),
    ] = None,
) -> None:
    """Write monitors, components, pages and maintenance from the database as YAML."""
    current = _current(config)
    slug = str(((current or {}).get("page") or {}).get("slug", "default"))

    async def work(conn: AsyncConnection) -> dict[str, Any]:
        return await export_document(conn, slug, current)

    try:
        text = dump(_in_database(work))
    except NothingToExport as error:
        errors.print(f"[red]error[/red] {error}")
        raise typer.Exit(1) from None
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")
