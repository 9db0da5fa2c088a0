"""The `/admin` application, mounted beside the public routes."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from hiccup.manage.context import Ops
from hiccup.manage.errors import ManageError
from hiccup.web.admin import (
    account,
    channels,
    dashboard,
    incident_templates,
    incidents,
    lists,
    login,
    monitor_form,
    monitor_page,
    probes,
    subscribers,
)
from hiccup.web.admin.base import PREFIX, Forbidden, LoginRequired, plain, redirect, render
from hiccup.web.admin.crud import register
from hiccup.web.admin.resources import CRUDS
from hiccup.web.unavailable import HEADERS, MESSAGE, answer_unavailable

STATIC = Path(__file__).parents[1] / "static"


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _error: LoginRequired) -> Response:
        target = request.url.path.removeprefix(PREFIX) or "/"
        if request.method != "GET":
            target = "/"
        if request.headers.get("hx-request") == "true":
            # htmx would swap the login page into a table; tell it to navigate instead.
            return Response(status_code=401, headers={"hx-redirect": PREFIX + "/login"})
        return redirect("/login?next=" + quote(target))

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> Response:
        return render(
            request, "message.html", None, 403, title="Not allowed", message=error.message
        )

    @app.exception_handler(ManageError)
    async def manage_error(request: Request, error: ManageError) -> Response:
        return render(
            request,
            "message.html",
            None,
            error.status,
            title="Cannot do that",
            message=error.message,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, _error: RequestValidationError) -> Response:
        # An address typed by hand (a path or query part that is not what the page takes).
        return plain(400, "Bad request.\n")

    @app.exception_handler(404)
    async def not_found(_request: Request, _error: Exception) -> Response:
        return plain(404, "Not found.\n")


def _unavailable(request: Request) -> Response:
    page = render(request, "message.html", None, 503, title="Try again", message=MESSAGE)
    page.headers.update(HEADERS)
    return page


def create_admin(ops: Ops, secure_cookies: bool = False) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.ops = ops
    app.state.secure_cookies = secure_cookies
    _install_errors(app)
    answer_unavailable(app, _unavailable)
    modules = (
        login,
        dashboard,
        monitor_form,
        incidents,
        incident_templates,
        lists,
        probes,
        account,
        channels,
        subscribers,
    )
    for module in modules:
        app.include_router(module.router, include_in_schema=False)
    for crud in CRUDS:
        router = APIRouter(include_in_schema=False)
        register(router, crud)
        app.include_router(router)
    # After the CRUD routes: `/monitors/{id}` must not take `/monitors/new`.
    app.include_router(monitor_page.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
