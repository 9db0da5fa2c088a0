"""Statuspage's public v2 API (or a saved summary.json) read for `statuspage.map_statuspage`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from hiccup import __version__
from hiccup.importers.result import ImportFailure, ImportResult, Tick
from hiccup.importers.statuspage import map_statuspage

_API = "/api/v2/"
_TIMEOUT_SECONDS = 20.0


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFailure(
            f"{source}:{error.lineno}:{error.colno}: not JSON ({error.msg})"
        ) from None
    if not isinstance(value, dict):
        raise ImportFailure(f"{source}: expected a JSON object")
    return value


def _get(url: str, timeout: float) -> dict[str, Any]:
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": f"Hiccup/{__version__} import"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body = answer.read(64 * 1024 * 1024).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        raise ImportFailure(f"{url}: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ImportFailure(f"{url}: cannot fetch: {reason}") from None
    return _parse(body, url)


def base_of(url: str) -> str:
    """The page's address from any of its API addresses, or the page's own."""
    base = url.split("?", 1)[0].rstrip("/")
    if _API in base + "/":
        base = base[: (base + "/").index(_API)]
    return base


def fetch_statuspage(
    url: str, now: datetime, tick: Tick | None = None, timeout: float = _TIMEOUT_SECONDS
) -> ImportResult:
    base = base_of(url)
    summary = _get(f"{base}{_API}summary.json", timeout)
    incidents = _get(f"{base}{_API}incidents.json", timeout).get("incidents") or []
    planned = _get(f"{base}{_API}scheduled-maintenances.json", timeout)
    maintenances = planned.get("scheduled_maintenances") or []
    return map_statuspage(summary, incidents, maintenances, base, now, tick)


def read_statuspage(path: Path, now: datetime, tick: Tick | None = None) -> ImportResult:
    """A saved summary.json: its components, and the open incidents and maintenance it lists."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ImportFailure(f"{path}: cannot read: {reason}") from None
    summary = _parse(text, str(path))
    incidents = summary.get("incidents") or []
    maintenances = summary.get("scheduled_maintenances") or []
    return map_statuspage(summary, incidents, maintenances, path.name, now, tick)


def load_statuspage(source: str, now: datetime, tick: Tick | None = None) -> ImportResult:
    if source.startswith(("http://", "https://")):
        return fetch_statuspage(source, now, tick)
    return read_statuspage(Path(source), now, tick)
