"""Log in (password, then TOTP when enrolled), log out, and the first owner's setup link.

These forms come before any session exists, so their CSRF protection is a double-submit
cookie: the form must echo a random value the site set in an HttpOnly cookie.
"""

from __future__ import annotations

import math

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from hiccup.auth.roles import Permission
from hiccup.auth.secrets import new_secret, same
from hiccup.manage import login
from hiccup.manage.errors import ManageError
from hiccup.store import accounts
from hiccup.web.access import (
    LOGIN_CSRF_COOKIE,
    PENDING_COOKIE,
    SESSION_COOKIE,
    client_address,
    set_cookie,
)
from hiccup.web.admin.base import form_guard, ops_of, plain, redirect, render

router = APIRouter()
SESSION_MAX_AGE = int(accounts.SESSION_LIFETIME.total_seconds())


def _secure(request: Request) -> bool:
    return bool(request.app.state.secure_cookies)


def _form(request: Request, template: str, status: int = 200, **context: object) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_secret()
    response = render(request, template, None, status, login_csrf=token, **context)
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, 3600, _secure(request))
    return response


async def _checked_form(request: Request) -> dict[str, str] | None:
    form = await request.form()
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = str(form.get("login_csrf", ""))
    if not cookie or not same(cookie, sent):
        return None
    return {k: str(v) for k, v in form.items()}


def _next(target: str) -> str:
    # Only paths inside the admin: never an open redirect to another site.
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _signed_in(request: Request, session: str, target: str) -> Response:
    response = redirect(_next(target))
    set_cookie(response, request, SESSION_COOKIE, session, SESSION_MAX_AGE, _secure(request))
    response.delete_cookie(PENDING_COOKIE, path="/")
    return response


def _locked(request: Request, template: str, outcome: login.LoginOutcome) -> Response:
    response = _form(request, template, 429, error=outcome.error)
    if outcome.locked_until is not None:
        wait = outcome.locked_until - ops_of(request).clock.now()
        response.headers["retry-after"] = str(max(1, math.ceil(wait.total_seconds())))
    return response


@router.get("/login")
async def login_form(request: Request) -> Response:
    return _form(request, "login.html", next=request.query_params.get("next", "/"))


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = await _checked_form(request)
    if form is None:
        return _form(request, "login.html", 403, error="The form expired; try again.")
    name, target = form.get("name", "")[:64], form.get("next", "/")
    outcome = await login.password_step(
        ops_of(request), name, form.get("password", "")[:256], client_address(request)
    )
    if outcome.locked_until is not None:
        return _locked(request, "login.html", outcome)
    if outcome.session is None:
        return _form(request, "login.html", 401, error=outcome.error, name=name, next=target)
    if outcome.needs_totp:
        response = redirect("/login/totp?" + f"next={_next(target)}")
        set_cookie(response, request, PENDING_COOKIE, outcome.session, 300, _secure(request))
        return response
    return _signed_in(request, outcome.session, target)


@router.get("/login/totp")
async def totp_form(request: Request) -> Response:
    if not request.cookies.get(PENDING_COOKIE):
        return redirect("/login")
    return _form(request, "totp.html", next=request.query_params.get("next", "/"))


@router.post("/login/totp")
async def totp_submit(request: Request) -> Response:
    form = await _checked_form(request)
    pending = request.cookies.get(PENDING_COOKIE, "")
    if form is None or not pending:
        return redirect("/login")
    outcome = await login.totp_step(
        ops_of(request), pending, form.get("code", ""), client_address(request)
    )
    if outcome.locked_until is not None:
        return _locked(request, "totp.html", outcome)
    if outcome.session is None:
        return _form(request, "totp.html", 401, error=outcome.error, next=form.get("next", "/"))
    return _signed_in(request, outcome.session, form.get("next", "/"))


@router.post("/logout")
async def logout(request: Request) -> Response:
    await form_guard(request, Permission.READ)
    await login.logout(ops_of(request), request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/setup/{token}")
async def setup_form(request: Request, token: str) -> Response:
    async with ops_of(request).engine.connect() as conn:
        valid = await accounts.setup_token_valid(conn, token, ops_of(request).clock.now())
    if not valid:
        return plain(404, "This setup link was used or has expired.\n")
    return _form(request, "setup.html", token=token)


@router.post("/setup/{token}")
async def setup_submit(request: Request, token: str) -> Response:
    form = await _checked_form(request)
    if form is None:
        return _form(request, "setup.html", 403, token=token, error="The form expired; try again.")
    name = form.get("name", "")
    try:
        session = await login.setup_owner(
            ops_of(request), token, name, form.get("password", ""), client_address(request)
        )
    except ManageError as error:
        return _form(
            request,
            "setup.html",
            error.status,
            token=token,
            name=name,
            error=error.message,
            errors=error.fields,
        )
    return _signed_in(request, session, "/")
