"""Who is asking: a bearer API token or an admin session cookie, and the CSRF check.

Bearer tokens need no CSRF protection (a browser never adds them by itself); a session
cookie does, so every unsafe request carried by one must repeat the session's CSRF token in
the form field `csrf_token` or the `X-CSRF-Token` header.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from hiccup.auth.principal import Principal
from hiccup.auth.roles import role_permissions, token_permissions
from hiccup.auth.secrets import same
from hiccup.manage.context import Actor, Ops
from hiccup.store import accounts, api_tokens

SESSION_COOKIE = "hiccup_session"
PENDING_COOKIE = "hiccup_pending"  # password given, second factor still to come
LOGIN_CSRF_COOKIE = "hiccup_login_csrf"  # double-submit token for forms before a session
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def principal_for(request: Request, ops: Ops) -> Principal | None:
    now = ops.clock.now()
    token = bearer(request)
    if token is not None:
        async with ops.engine.begin() as conn:
            found = await api_tokens.token_owner(conn, token, now)
        if found is None:
            return None
        user, info = found
        permissions = token_permissions(user.role, info.scopes)
        return Principal(user.id, user.name, user.role, permissions, token_name=info.name)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    async with ops.engine.connect() as conn:
        session = await accounts.session_for(conn, cookie, now)
    if session is None or session.stage != "full":
        return None
    user = session.user
    return Principal(
        user.id, user.name, user.role, role_permissions(user.role), csrf_token=session.csrf_token
    )


def csrf_ok(request: Request, principal: Principal, form_value: str | None) -> bool:
    if request.method in SAFE_METHODS or principal.csrf_token is None:
        return True
    given = request.headers.get("x-csrf-token") or form_value or ""
    return bool(given) and same(given, principal.csrf_token)


def actor(request: Request, principal: Principal) -> Actor:
    return Actor(principal, client_address(request))


def set_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int, secure: bool
) -> None:
    """HttpOnly and SameSite=Lax always; Secure on HTTPS (or when the page's URL is https)."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure or request.url.scheme == "https",
    )
