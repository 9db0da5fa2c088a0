"""What an import produces: the config as a mapping, and every item it could not map."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from hiccup.config.model import slugify

NoteLevel = Literal["unmapped", "changed"]
T = TypeVar("T")
# Told (done, total) as items are mapped; the CLI draws a progress bar with it.
Tick = Callable[[int, int], None]


class ImportFailure(ValueError):
    """Input the importer cannot read at all; the message names the file and the place."""


@dataclass(frozen=True, slots=True)
class Note:
    """One thing the import left out (`unmapped`) or mapped with a difference (`changed`)."""

    item: str  # what it was in the source: "monitor 'API' (id 3)"
    reason: str
    level: NoteLevel = "unmapped"

    def __str__(self) -> str:
        return f"{self.item}: {self.reason}"


@dataclass(frozen=True, slots=True)
class PastUpdate:
    status: str  # investigating, identified, monitoring, resolved
    body: str
    at: str  # ISO 8601 with an offset


@dataclass(frozen=True, slots=True)
class PastIncident:
    """An incident of the source's history; config cannot hold these (see docs/import.md)."""

    name: str
    impact: str  # none, minor, major, critical
    started_at: str
    resolved_at: str | None
    components: tuple[str, ...]  # component keys in the written config
    updates: tuple[PastUpdate, ...]
    postmortem: str | None = None


@dataclass
class ImportResult:
    source: str  # "Uptime Kuma backup /path/kuma.json"
    config: dict[str, Any]
    notes: list[Note] = field(default_factory=list)
    incidents: list[PastIncident] = field(default_factory=list)

    @property
    def unmapped(self) -> list[Note]:
        return [n for n in self.notes if n.level == "unmapped"]

    @property
    def changed(self) -> list[Note]:
        return [n for n in self.notes if n.level == "changed"]

    def skip(self, item: str, reason: str) -> None:
        self.notes.append(Note(item, reason, "unmapped"))

    def change(self, item: str, reason: str) -> None:
        self.notes.append(Note(item, reason, "changed"))


class Keys:
    """Unique keys from names, as the config wants them (`[a-z0-9][a-z0-9_-]{0,99}`)."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def make(self, name: str) -> str:
        base = slugify(name)[:90] or "item"
        key, n = base, 2
        while key in self._taken:
            key, n = f"{base}-{n}", n + 1
        self._taken.add(key)
        return key


def ticking(items: Iterable[T], total: int, tick: Tick | None) -> Iterator[T]:
    """`items`, telling `tick` after each one."""
    for done, item in enumerate(items, start=1):
        yield item
        if tick is not None:
            tick(done, total)
