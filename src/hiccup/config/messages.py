"""Validation errors in plain words: "should be a list, e.g. [a, b]" instead of pydantic's
"Input should be a valid list", and "unknown field (did you mean `interval`?)" for a typo."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

_PLAIN = {
    "missing": "is required",
    "list_type": "should be a list, e.g. [a, b]",
    "dict_type": "should be a mapping of `field: value` pairs",
    "model_type": "should be a mapping of `field: value` pairs",
    "model_attributes_type": "should be a mapping of `field: value` pairs",
    "int_type": "should be a whole number",
    "int_parsing": "should be a whole number",
    "int_from_float": "should be a whole number",
    "float_type": "should be a number",
    "float_parsing": "should be a number",
    "bool_type": "should be true or false",
    "bool_parsing": "should be true or false",
    "string_type": "should be text (quote it if it looks like a number or a date)",
}


def plain_message(item: ErrorDetails, known: Sequence[str] = ()) -> str:
    kind = item["type"]
    if kind == "extra_forbidden":
        name = str(item["loc"][-1]) if item["loc"] else ""
        close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
        return f"unknown field (did you mean `{close[0]}`?)" if close else "unknown field"
    if kind in _PLAIN:
        return _PLAIN[kind]
    message = item["msg"].removeprefix("Value error, ")
    return message.replace("Input should be", "should be", 1)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, through list[...], dict[..., ...] and `| None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, dict, tuple, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def fields_at(model: type[BaseModel], location: Sequence[int | str]) -> list[str]:
    """The field names allowed beside the last element of `location`, walking from `model`."""
    current: type[BaseModel] | None = model
    for step in location[:-1]:
        if current is None:
            return []
        if isinstance(step, int) or step not in current.model_fields:
            continue  # a list index or a dict key: the same model goes on
        current = _model_in(current.model_fields[step].annotation)
    return list(current.model_fields) if current is not None else []
