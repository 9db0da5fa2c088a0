"""What the commands print, through rich, which is imported on the first print.

Every command module is imported by `hiccup serve` too (the CLI is built from all of them),
and the server prints nothing through rich: importing it at the top cost the running server
about 2 MB of memory. Tables and progress bars import rich in the functions that draw them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.status import Status


class Say:
    """A rich Console for stdout or stderr, made when first used."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return self._console

    def print(self, *objects: Any, **options: Any) -> None:
        self.console.print(*objects, **options)

    def status(self, message: str) -> Status:
        return self.console.status(message)


console = Say()
errors = Say(stderr=True)


def escape(markup: str) -> str:
    """`markup` shown as it is: rich's square-bracket markup escaped."""
    from rich.markup import escape as rich_escape

    return rich_escape(markup)
