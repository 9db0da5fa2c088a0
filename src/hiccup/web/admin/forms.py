"""HTML forms described as data: the same spec renders a form, reads it back into the dict a
pydantic model validates, and places each error beside its field."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, available_timezones

from starlette.datastructures import FormData

from hiccup.core.durations import format_duration, parse_duration

Kind = Literal[
    "text",
    "textarea",
    "int",
    "float",
    "bool",
    "select",
    "multi",
    "tags",
    "json",
    "datetime",
    "password",
    "duration",  # typed as 30s, 5m, 1h30m; the model gets seconds
    "zone",  # an IANA time zone picked from a list
]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Kind = "text"
    choices: Sequence[tuple[str, str]] = ()  # (value, label)
    optional: bool = False  # empty means None
    help: str = ""
    attrs: Mapping[str, str] = field(default_factory=dict)
    # A "datetime" a browser sends without an offset is read in this zone (None: left as typed).
    zone: str | None = None


@functools.cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone this system knows, UTC first: the time-zone picker's choices."""
    return ("UTC", *sorted(z for z in available_timezones() if z != "UTC" and "/" in z))


def _scalar(spec: Field, raw: str) -> Any:
    raw = raw.strip()
    if raw == "" and (spec.optional or spec.kind in ("int", "float", "datetime", "duration")):
        return None
    if spec.kind == "duration":
        # The same words as hiccup.yaml's durations, and the same message when it is not one;
        # a bare number is seconds, as the API takes it.
        try:
            return float(raw)
        except ValueError:
            return parse_duration(raw).total_seconds()
    if spec.kind == "json":
        try:
            return json.loads(raw or "{}")
        except json.JSONDecodeError as error:
            raise ValueError(f"not valid JSON: {error.msg}") from None
    if spec.kind == "tags":
        return [t.strip() for t in raw.replace(",", " ").split() if t.strip()]
    if spec.kind == "datetime" and spec.zone is not None:
        return _in_zone(raw, spec.zone)
    return raw


def _in_zone(raw: str, zone: str) -> str:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw  # the model names the field and says what it wants
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.isoformat()


def read_form(fields: Sequence[Field], form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """The submitted values as model input, and problems that precede the model (bad JSON)."""
    data: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for spec in fields:
        if spec.kind == "bool":
            data[spec.name] = form.get(spec.name) in ("on", "true", "1")
            continue
        if spec.kind == "multi":
            data[spec.name] = [str(v) for v in form.getlist(spec.name)]
            continue
        raw = form.get(spec.name)
        if raw is None:
            continue
        try:
            value = _scalar(spec, str(raw))
        except ValueError as error:
            problems[spec.name] = str(error)
            continue
        if value is not None or spec.optional:
            data[spec.name] = value
    return data, problems


def shown_value(spec: Field, value: Any) -> Any:
    """A value as the form shows it back."""
    if value is None:
        return "" if spec.kind not in ("multi", "bool") else ([] if spec.kind == "multi" else False)
    if spec.kind == "select" and isinstance(value, bool):
        return "true" if value else "false"  # the spelling of the choices, as the form posts it
    if spec.kind == "json" and not isinstance(value, str):
        return json.dumps(value, indent=2)
    if spec.kind == "tags" and isinstance(value, list):
        return ", ".join(value)
    if spec.kind == "datetime" and hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%dT%H:%M")
    if spec.kind == "duration" and isinstance(value, int | float) and not isinstance(value, bool):
        return format_duration(timedelta(seconds=value))
    return value


def errors_by_field(fields: Sequence[Field], problems: Mapping[str, str]) -> dict[str, list[str]]:
    """Each problem under the field it belongs to ('options.port' goes under 'options');
    the rest under '' for the top of the form."""
    placed: dict[str, list[str]] = {}
    names = [f.name for f in fields]
    for key, message in problems.items():
        owner = next((n for n in names if key == n or key.startswith(n + ".")), "")
        label = key.removeprefix(owner).lstrip(".") if owner else key
        placed.setdefault(owner, []).append(f"{label}: {message}" if label else message)
    return placed
