"""A form field for each option of a check kind, derived from the kind's options model.

A new kind gets its form from its `options_model`: booleans become checkboxes, Literals
selects, durations text (`30s`, `5m`), a `time_zone` a zone picker, lists of numbers one
comma-separated line, lists of text one item per line, string maps `Name: value` lines. What the
form reads back is the same dict the API takes in `options`, so the model validates it and its
messages are the API's and the config's.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Literal, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from starlette.datastructures import FormData

from hiccup.checks.registry import UnknownCheckKind, options_model
from hiccup.core.durations import format_duration, parse_duration
from hiccup.web.admin.forms import Field

# How one option is typed in; Field.kind values beyond forms.Kind's own are handled here.
Widget = Literal[
    "bool", "select", "int", "float", "text", "duration", "zone", "lines", "numbers", "pairs"
]


def _strip(annotation: Any) -> tuple[Any, bool]:
    """The annotation without Annotated and None, and whether None was allowed."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            if len(args) != 1:
                return annotation, optional
            annotation = args[0]
        else:
            return annotation, optional


def widget_of(name: str, info: FieldInfo) -> tuple[Widget, list[tuple[str, str]], bool]:
    """(widget, choices, optional) for one option."""
    annotation, optional = _strip(info.annotation)
    origin = typing.get_origin(annotation)
    if name == "time_zone" or name.endswith("_zone"):
        return "zone", [], optional
    if annotation is bool:
        return "bool", [], optional
    if origin is Literal:
        return "select", [(str(v), str(v)) for v in typing.get_args(annotation)], optional
    if annotation is timedelta:
        return "duration", [], optional
    if annotation is int:
        return "int", [], optional
    if annotation is float:
        return "float", [], optional
    if origin is list:
        inner, _ = _strip(typing.get_args(annotation)[0])
        return ("numbers" if inner in (int, float) else "lines"), [], optional
    if origin is dict:
        return "pairs", [], optional
    return "text", [], optional


def _default(info: FieldInfo) -> Any:
    return None if info.is_required() else info.get_default(call_default_factory=True)


def _shown_default(widget: Widget, value: Any) -> str:
    if value in (None, [], {}, ""):
        return ""
    if widget == "bool":
        return "on" if value else "off"
    if widget == "duration" and isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def option_fields(kind: str) -> list[Field]:
    """The kind's options as form fields, named `options.<name>` (as the API's errors are)."""
    try:
        model = options_model(kind)
    except UnknownCheckKind:
        return []
    fields = []
    for name, info in model.model_fields.items():
        widget, choices, optional = widget_of(name, info)
        default = _shown_default(widget, _default(info))
        hints = [info.description or "", f"default: {default}" if default else ""]
        if widget == "duration":
            hints.insert(0, "e.g. 30s, 5m, 1h")
        elif widget == "lines":
            hints.insert(0, "one per line")
        elif widget == "numbers":
            hints.insert(0, "comma separated")
        elif widget == "pairs":
            hints.insert(0, "one `Name: value` per line")
        if widget == "select" and (optional or not info.is_required()):
            choices = [("", f"— default ({default}) —" if default else "— none —"), *choices]
        fields.append(
            Field(
                f"options.{name}",
                name.replace("_", " ").capitalize(),
                _field_kind(widget),
                choices,
                optional=True,
                help="; ".join(h for h in hints if h),
                attrs={"widget": widget},
            )
        )
    return fields


def _field_kind(widget: Widget) -> Any:
    return {"lines": "textarea", "pairs": "textarea", "numbers": "text"}.get(widget, widget)


def _read(widget: str, raw: str) -> Any:
    """One option's typed-in text as the API would take it; '' leaves the option out."""
    text = raw.strip()
    if widget == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if widget == "numbers":
        parts = [p for p in text.replace(",", " ").split() if p]
        try:
            return [int(p) for p in parts]
        except ValueError:
            raise ValueError("whole numbers separated by commas, e.g. 200, 204") from None
    if widget == "pairs":
        pairs = {}
        for line in text.splitlines():
            if not line.strip():
                continue
            name, colon, value = line.partition(":")
            if not colon or not name.strip():
                raise ValueError(f"expected `Name: value`, got {line.strip()!r}")
            pairs[name.strip()] = value.strip()
        return pairs
    if widget == "duration":
        parse_duration(text)  # the config's message when it is not a duration
        return text
    if widget == "int":
        try:
            return int(text)
        except ValueError:
            raise ValueError("must be a whole number") from None
    if widget == "float":
        try:
            return float(text)
        except ValueError:
            raise ValueError("must be a number") from None
    return text


def form_name(kind: str, field: Field) -> str:
    """The input's name: per kind, so switching the kind in the form keeps what was typed."""
    return f"options.{kind}.{field.name.removeprefix('options.')}"


def read_options(kind: str, form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """The options typed for `kind` as the API's dict, and problems found before the model."""
    options: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for field in option_fields(kind):
        name = field.name.removeprefix("options.")
        widget = field.attrs["widget"]
        raw = form.get(form_name(kind, field))
        if widget == "bool":
            # A checkbox posts nothing when off: a hidden marker says the field was on the form.
            if form.get(form_name(kind, field) + ".shown") is not None:
                options[name] = raw is not None
            continue
        if raw is None or str(raw).strip() == "":
            continue
        try:
            value = _read(widget, str(raw))
        except ValueError as error:
            problems[field.name] = str(error)
            continue
        if value not in ([], {}):
            options[name] = value
    return _without_defaults(kind, options), problems


def _without_defaults(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    """Left out where the value is the default: the stored options say what was chosen."""
    if not options:
        return options
    model = options_model(kind)
    kept = {}
    for name, value in options.items():
        info = model.model_fields[name]
        if not info.is_required() and value == _default(info):
            continue
        kept[name] = value
    return kept


def shown_options(kind: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """Stored (or posted) options as the form shows them, defaults filled in for checkboxes."""
    shown: dict[str, Any] = {}
    try:
        model: type[BaseModel] = options_model(kind)
    except UnknownCheckKind:
        return shown
    for field in option_fields(kind):
        name = field.name.removeprefix("options.")
        widget = field.attrs["widget"]
        value = options.get(name, _default(model.model_fields[name]) if widget == "bool" else None)
        shown[field.name] = _shown(widget, value)
    return shown


def _shown(widget: str, value: Any) -> Any:
    if value is None:
        return False if widget == "bool" else ""
    if widget == "bool":
        return bool(value)
    if widget == "lines" and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if widget == "numbers" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if widget == "pairs" and isinstance(value, dict):
        return "\n".join(f"{k}: {v}" for k, v in value.items())
    if widget == "duration" and isinstance(value, int | float):
        return format_duration(timedelta(seconds=value))
    return str(value)
