"""Rendering, the admin's own CSP, and the guard every admin route goes through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from hiccup.auth.principal import Principal
from hiccup.auth.roles import Permission
from hiccup.core.text import render_markdown
from hiccup.manage.context import Actor, Ops
from hiccup.web.access import actor, csrf_ok, principal_for
from hiccup.web.admin.forms import zone_names

PREFIX = "/admin"
TEMPLATES = Path(__file__).parents[1] / "templates" / "admin"

# Stricter than the public page's: no inline style at all, scripts and styles from here only.
ADMIN_CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {"content-security-policy": ADMIN_CSP, "cache-control": "no-store"}

env = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True), trim_blocks=True
)
env.filters["markdown"] = render_markdown
env.globals["P"] = Permission
env.globals["zone_names"] = zone_names


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def ops_of(request: Request) -> Ops:
    ops: Ops = request.app.state.ops
    return ops


def render(
    request: Request,
    template: str,
    principal: Principal | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    body = env.get_template(template).render(
        request=request, me=principal, csrf=principal.csrf_token if principal else "", **context
    )
    return HTMLResponse(body, status, HEADERS)


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(PREFIX + path, 303, {"cache-control": "no-store"})


async def guard(request: Request, permission: Permission) -> tuple[Principal, Actor]:
    principal = await principal_for(request, ops_of(request))
    if principal is None or principal.token_name is not None:
        raise LoginRequired  # the UI is for people with sessions; tokens use the API
    if not principal.may(permission):
        raise Forbidden(f"Your role ({principal.role.value}) cannot do this.")
    return principal, actor(request, principal)


async def form_guard(request: Request, permission: Permission) -> tuple[Principal, Actor, FormData]:
    """For POSTs: authenticated, allowed, and carrying this session's CSRF token."""
    principal, who = await guard(request, permission)
    form = await request.form()
    token = form.get("csrf_token")
    if not csrf_ok(request, principal, token if isinstance(token, str) else None):
        raise Forbidden("The form was stale or not sent by this site (CSRF check). Reload it.")
    return principal, who, form


def plain(status: int, text: str) -> Response:
    return Response(text, status, {**HEADERS, "content-type": "text/plain; charset=utf-8"})
