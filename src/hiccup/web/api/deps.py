"""Authentication and permission checks for API routes, and the shared error shape."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from hiccup.auth.roles import Permission
from hiccup.manage.context import Actor, Ops
from hiccup.web.access import actor, csrf_ok, principal_for

# auto_error=False: a missing token is answered by our 401 with our error body.
bearer_scheme = HTTPBearer(auto_error=False, description="an API token (`hcp_…`)")
# Declares the scheme in the OpenAPI document; the check below reads the header itself.
_bearer = Depends(bearer_scheme)


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] = {}


class ErrorBody(BaseModel):
    error: ErrorDetail


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (401, "no or unknown credentials"),
        (403, "not allowed for this role or token scope, or a bad CSRF token"),
        (404, "not found"),
        (409, "conflicts with the current state"),
        (422, "invalid input; `fields` names each bad field"),
    )
}


def ops_of(request: Request) -> Ops:
    ops: Ops = request.app.state.ops
    return ops


def need(permission: Permission) -> Callable[..., Awaitable[Actor]]:
    async def check(
        request: Request,
        _credentials: HTTPAuthorizationCredentials | None = _bearer,
    ) -> Actor:
        principal = await principal_for(request, ops_of(request))
        if principal is None:
            raise ApiError(401, "unauthenticated", "send `Authorization: Bearer <token>`")
        if not csrf_ok(request, principal, None):
            raise ApiError(403, "csrf_failed", "missing or wrong X-CSRF-Token header")
        if not principal.may(permission):
            raise ApiError(403, "forbidden", f"needs the {permission.value} permission")
        return actor(request, principal)

    return check


Reader = Depends(need(Permission.READ))
Operator = Depends(need(Permission.OPERATE))
Administrator = Depends(need(Permission.ADMINISTER))
