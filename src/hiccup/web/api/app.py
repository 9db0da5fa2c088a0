"""The `/api/v1` application: routers, the error shape, the OpenAPI document."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from hiccup.manage.context import Ops
from hiccup.manage.errors import ManageError
from hiccup.web.api import accounts, catalog, channels, engine, operations, probes, subscribers
from hiccup.web.api.deps import ApiError, error_body
from hiccup.web.api.docs import install_docs
from hiccup.web.unavailable import HEADERS, MESSAGE, answer_unavailable

_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request", 401: "unauthenticated"}
_NO_STORE = {"cache-control": "no-store"}


def _fields(error: RequestValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in error.errors():
        parts = [str(p) for p in item["loc"]]
        if parts and parts[0] in ("body", "query", "path", "header"):
            parts = parts[1:] or parts
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        found.setdefault(".".join(parts) or "body", message)
    return found


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(ManageError)
    async def manage_error(_request: Request, error: ManageError) -> JSONResponse:
        body = error_body(error.code, error.message, error.fields)
        return JSONResponse(body, error.status, _NO_STORE)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> JSONResponse:
        headers = dict(_NO_STORE)
        if error.status == 401:
            headers["www-authenticate"] = "Bearer"
        return JSONResponse(error_body(error.code, error.message), error.status, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        fields = _fields(error)
        first = next(iter(fields.items()), ("body", "invalid"))
        body = error_body("validation_failed", f"{first[0]}: {first[1]}", fields)
        return JSONResponse(body, 422, _NO_STORE)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> JSONResponse:
        code = _CODES.get(error.status_code, "error")
        # A 405's Allow (and whatever else the error carries) is part of the answer.
        headers = {**(error.headers or {}), **_NO_STORE}
        return JSONResponse(error_body(code, str(error.detail)), error.status_code, headers)


def _unavailable(_request: Request) -> JSONResponse:
    return JSONResponse(error_body("database_unavailable", MESSAGE), 503, HEADERS)


def create_api(ops: Ops) -> FastAPI:
    api = FastAPI(
        title="Hiccup API",
        version="1",
        description=(
            "Everything the admin UI does. Authenticate with `Authorization: Bearer`."
            " Browsable reference: `/api/v1/docs`."
        ),
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    api.state.ops = ops
    _install_errors(api)
    answer_unavailable(api, _unavailable)
    for module in (catalog, operations, accounts, probes, engine, channels, subscribers):
        api.include_router(module.router)
    install_docs(api, "/api/v1")
    return api
