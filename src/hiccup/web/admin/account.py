"""Your own account: change the password, enrol or remove the TOTP second factor (QR code and
one-time recovery codes)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from hiccup.auth.qr import qr_svg
from hiccup.auth.roles import Permission
from hiccup.auth.totp import provisioning_uri
from hiccup.manage import accounts
from hiccup.manage.errors import ManageError
from hiccup.store.accounts import user_by_id
from hiccup.web.access import SESSION_COOKIE
from hiccup.web.admin.base import form_guard, guard, ops_of, redirect, render

router = APIRouter()


async def _page(request: Request, status: int = 200, **context: object) -> Response:
    me, _ = await guard(request, Permission.READ)
    async with ops_of(request).engine.connect() as conn:
        user = await user_by_id(conn, me.user_id)
    if user and user.totp_secret and not user.totp_enabled and "enrolment" not in context:
        # An enrolment begun but not confirmed yet: show its secret again.
        uri = provisioning_uri(user.totp_secret, user.name)
        context["enrolment"] = accounts.Enrolment(user.totp_secret, uri)
    enrolment = context.get("enrolment")
    if isinstance(enrolment, accounts.Enrolment):
        context["qr"] = qr_svg(enrolment.uri, "QR code to scan with your authenticator app")
    if user and user.totp_enabled:
        context["codes_left"] = await accounts.recovery_codes_left(ops_of(request), user.id)
    return render(request, "account.html", me, status, title="Your account", user=user, **context)


@router.get("/account")
async def account(request: Request) -> Response:
    return await _page(request, done=request.query_params.get("done", ""))


@router.post("/account/password")
async def change_password(request: Request) -> Response:
    _, actor, form = await form_guard(request, Permission.READ)
    try:
        await accounts.change_own_password(
            ops_of(request),
            actor,
            str(form.get("current_password", "")),
            str(form.get("new_password", "")),
            request.cookies.get(SESSION_COOKIE, ""),
        )
    except ManageError as error:
        return await _page(request, 422, errors=error.fields)
    return redirect("/account?done=password")


@router.post("/account/totp/begin")
async def begin_totp(request: Request) -> Response:
    _, actor, _ = await form_guard(request, Permission.READ)
    enrolment = await accounts.begin_totp(ops_of(request), actor)
    return await _page(request, enrolment=enrolment)


@router.post("/account/totp/confirm")
async def confirm_totp(request: Request) -> Response:
    _, actor, form = await form_guard(request, Permission.READ)
    try:
        codes = await accounts.confirm_totp(ops_of(request), actor, str(form.get("code", "")))
    except ManageError as error:
        return await _page(
            request, 422, errors=error.fields or {"code": error.message}, confirming=True
        )
    # Shown here once, never again (only hashes are kept): no redirect that would lose them.
    return await _page(request, done="totp", recovery_codes=codes)


@router.post("/account/recovery-codes")
async def regenerate_codes(request: Request) -> Response:
    _, actor, form = await form_guard(request, Permission.READ)
    password = str(form.get("recovery_password", ""))
    try:
        codes = await accounts.regenerate_recovery_codes(ops_of(request), actor, password)
    except ManageError as error:
        return await _page(
            request, 422, errors=error.fields or {"recovery_password": error.message}
        )
    return await _page(request, done="codes", recovery_codes=codes)


@router.post("/account/totp/disable")
async def disable_totp(request: Request) -> Response:
    _, actor, form = await form_guard(request, Permission.READ)
    try:
        await accounts.disable_totp(ops_of(request), actor, str(form.get("password", "")))
    except ManageError as error:
        return await _page(request, 422, errors=error.fields)
    return redirect("/account?done=totp-off")
