"""Users, API tokens, the audit log, and who you are."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hiccup.manage import accounts
from hiccup.manage.context import Actor
from hiccup.manage.models import (
    AuditEntryOut,
    MeOut,
    Paged,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserUpdate,
)
from hiccup.web.api.deps import ERRORS, Administrator, Reader, ops_of
from hiccup.web.query import Page, PerPage

router = APIRouter(responses=ERRORS)


@router.get("/me", tags=["accounts"])
async def me(actor: Actor = Reader) -> MeOut:
    p = actor.principal
    return MeOut(
        user_id=p.user_id,
        name=p.name,
        role=p.role,
        permissions=sorted(x.value for x in p.permissions),
        token_name=p.token_name,
    )


@router.get("/users", tags=["accounts"])
async def list_users(request: Request, _actor: Actor = Administrator) -> list[UserOut]:
    return await accounts.list_users(ops_of(request))


@router.post("/users", status_code=201, tags=["accounts"])
async def create_user(request: Request, body: UserIn, actor: Actor = Administrator) -> UserOut:
    return await accounts.create_user(ops_of(request), actor, body)


@router.patch("/users/{user_id}", tags=["accounts"])
async def update_user(
    request: Request, user_id: str, body: UserUpdate, actor: Actor = Administrator
) -> UserOut:
    return await accounts.update_user(ops_of(request), actor, user_id, body)


@router.delete("/users/{user_id}", status_code=204, tags=["accounts"])
async def delete_user(request: Request, user_id: str, actor: Actor = Administrator) -> Response:
    await accounts.delete_user(ops_of(request), actor, user_id)
    return Response(status_code=204)


@router.get("/tokens", tags=["accounts"])
async def list_tokens(request: Request, _actor: Actor = Administrator) -> list[TokenOut]:
    return await accounts.list_tokens(ops_of(request))


@router.post("/tokens", status_code=201, tags=["accounts"])
async def create_token(
    request: Request, body: TokenIn, actor: Actor = Administrator
) -> TokenCreatedOut:
    """The token's secret is in this answer only; it is stored as a hash."""
    return await accounts.create_token(ops_of(request), actor, body)


@router.delete("/tokens/{token_id}", status_code=204, tags=["accounts"])
async def revoke_token(request: Request, token_id: str, actor: Actor = Administrator) -> Response:
    await accounts.revoke_token(ops_of(request), actor, token_id)
    return Response(status_code=204)


@router.get("/audit", tags=["accounts"])
async def audit_log(
    request: Request,
    page: Page = 1,
    per_page: PerPage = 50,
    _actor: Actor = Administrator,
) -> Paged[AuditEntryOut]:
    return await accounts.list_audit(ops_of(request), page, per_page)
