"""Where a Gatus import is: the file's data, its path, the result being built, and the keys
already taken (shared by the endpoint and alerting mappers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hiccup.config.yamlsource import line_of
from hiccup.importers.result import ImportResult, Keys

Where = tuple[str | int, ...]


class GatusContext:
    def __init__(self, data: Any, path: Path, result: ImportResult) -> None:
        self.data, self.path, self.result = data, path, result
        self.monitor_keys, self.component_keys = Keys(), Keys()

    def where(self, location: Where) -> str:
        field = ""
        for part in location:
            field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else part)
        line = line_of(self.data, location)
        return f"{self.path.name}:{line} {field}" if line else f"{self.path.name} {field}"
