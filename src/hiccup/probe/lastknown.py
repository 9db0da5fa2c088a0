"""The last assignments the server sent, kept beside the buffer: an agent restarted while its
server is away still knows what to check."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from hiccup.probe.wire import Assignments

log = logging.getLogger(__name__)

ASSIGNMENTS_FILE = "assignments.json"


class _Saved(BaseModel):
    model_config = ConfigDict(extra="ignore")

    etag: str | None
    assignments: Assignments


@dataclass(frozen=True, slots=True)
class LastKnown:
    assignments: Assignments
    etag: str | None


def save(directory: Path, known: LastKnown) -> None:
    """Write atomically (a temporary file renamed over the old one): never half a file."""
    path = directory / ASSIGNMENTS_FILE
    temporary = path.with_suffix(".tmp")
    data = _Saved(etag=known.etag, assignments=known.assignments).model_dump_json()
    with temporary.open("w", encoding="utf-8") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)


def load(directory: Path, region: str) -> LastKnown | None:
    path = directory / ASSIGNMENTS_FILE
    try:
        saved = _Saved.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValidationError) as error:
        log.warning("ignoring %s: %s", path, str(error).splitlines()[0])
        return None
    if saved.assignments.region != region:
        log.warning("ignoring %s: it holds region %r", path, saved.assignments.region)
        return None
    return LastKnown(saved.assignments, saved.etag)
