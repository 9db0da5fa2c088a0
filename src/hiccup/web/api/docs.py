"""`/api/v1/docs`: the OpenAPI document as a browsable page, drawn on the server.

No script and no third-party assets: the page is plain HTML with the admin's stylesheet, so it
works under the admin's CSP (and without JavaScript). Each operation is a `<details>` block
with its parameters, request body and responses; schemas are listed once at the end and
linked from wherever they are used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse

from hiccup.web.admin.base import HEADERS, env

METHODS = ("get", "post", "put", "patch", "delete")
REF = "#/components/schemas/"


@dataclass(frozen=True)
class Param:
    name: str
    where: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    anchor: str
    params: list[Param]
    body: str  # type of the JSON body ('' for none)
    responses: list[tuple[str, str, str]]  # (status, description, type)


@dataclass
class Tag:
    name: str
    operations: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class SchemaView:
    name: str
    description: str
    fields: list[Param]
    values: list[str]  # an enum's values


def type_of(schema: Mapping[str, Any]) -> str:
    """A short type for a JSON schema: `MonitorOut`, `list[ResultOut]`, `string | null`."""
    if "$ref" in schema:
        return str(schema["$ref"]).removeprefix(REF)
    if "anyOf" in schema:
        return " | ".join(type_of(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(repr(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list[{type_of(schema.get('items', {}))}]"
    if kind == "object" and "additionalProperties" in schema:
        extra = schema["additionalProperties"]
        return f"map[{type_of(extra) if isinstance(extra, dict) else 'any'}]"
    return str(kind)


def _content_type(holder: Mapping[str, Any]) -> str:
    content = holder.get("content", {})
    json_part = content.get("application/json")
    if json_part is None:
        return next(iter(content), "")
    return type_of(json_part.get("schema", {}))


def _operation(path: str, method: str, spec: Mapping[str, Any]) -> Operation:
    params = [
        Param(
            p["name"],
            p["in"],
            type_of(p.get("schema", {})),
            bool(p.get("required")),
            str(p.get("description") or p.get("schema", {}).get("description", "")),
        )
        for p in spec.get("parameters", [])
    ]
    body = _content_type(spec["requestBody"]) if "requestBody" in spec else ""
    responses = [
        (str(code), str(answer.get("description", "")), _content_type(answer))
        for code, answer in spec.get("responses", {}).items()
    ]
    return Operation(
        method.upper(),
        path,
        str(spec.get("summary", "")),
        str(spec.get("description", "")),
        str(spec.get("operationId", f"{method}-{path}")),
        params,
        body,
        responses,
    )


def operations_by_tag(document: Mapping[str, Any]) -> list[Tag]:
    tags: dict[str, Tag] = {}
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                name = (item[method].get("tags") or ["other"])[0]
                tags.setdefault(name, Tag(name)).operations.append(
                    _operation(path, method, item[method])
                )
    return list(tags.values())


def schemas(document: Mapping[str, Any]) -> list[SchemaView]:
    found = document.get("components", {}).get("schemas", {})
    views = []
    for name, schema in sorted(found.items()):
        required = set(schema.get("required", []))
        fields = [
            Param(
                prop,
                "",
                type_of(spec),
                prop in required,
                str(spec.get("description", "")),
            )
            for prop, spec in schema.get("properties", {}).items()
        ]
        values = [str(v) for v in schema.get("enum", [])]
        views.append(SchemaView(name, str(schema.get("description", "")), fields, values))
    return views


def install_docs(api: FastAPI, base: str) -> None:
    """Serve the page at `<base>/docs`, built once from the app's own OpenAPI document."""
    page: list[str] = []

    async def docs(_request: Request) -> HTMLResponse:
        if not page:
            document = api.openapi()
            page.append(
                env.get_template("api_docs.html").render(
                    info=document.get("info", {}),
                    base=base,
                    tags=operations_by_tag(document),
                    schemas=schemas(document),
                )
            )
        return HTMLResponse(page[0], 200, {**HEADERS, "cache-control": "no-cache"})

    api.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)
