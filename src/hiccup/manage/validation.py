"""Pydantic errors turned into one message per field, named the way the caller sent them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hiccup.manage.errors import Invalid

M = TypeVar("M", bound=BaseModel)


def field_messages(error: ValidationError, prefix: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    for item in error.errors():
        parts = [str(p) for p in item["loc"] if not str(p).startswith("function-")]
        name = ".".join(([prefix] if prefix else []) + parts) or "body"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        found.setdefault(name, message)
    return found


def parse(model: type[M], data: Mapping[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise Invalid(field_messages(error)) from None
