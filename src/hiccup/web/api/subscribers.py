"""Subscribers of the main page: search, counts per component, unsubscribe, a new
confirmation mail, CSV export and import."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from hiccup.config.isotime import UtcOutput
from hiccup.manage import subscribers
from hiccup.manage.context import Actor
from hiccup.manage.models import In
from hiccup.web.api.deps import ERRORS, Administrator, Operator, Reader, ops_of
from hiccup.web.query import Page, PerPage

router = APIRouter(responses=ERRORS)

SubscriberId = Annotated[str, Path(min_length=1, max_length=12, pattern=r"^[A-Za-z0-9_-]+$")]


class SubscriberOut(BaseModel):
    id: str
    kind: str
    address: str
    site_page: str
    components: list[str] = Field(description="component keys; empty: the whole page")
    status: Literal["pending", "active", "unsubscribed", "disabled"]
    disabled_reason: str | None
    declared: bool
    created_at: UtcOutput
    confirmed_at: UtcOutput | None


class SubscriberPage(BaseModel):
    items: list[SubscriberOut]
    total: int
    page: int
    per_page: int


class ComponentCountOut(BaseModel):
    key: str
    name: str
    active: int = Field(description="active subscribers who hear of this component")


class CountsOut(BaseModel):
    by_status: dict[str, int]
    per_component: list[ComponentCountOut]


class ImportIn(In):
    csv: str = Field(
        max_length=5_000_000,
        description="a column `address` and optionally `components` (keys separated by "
        "spaces); without a header, each line is `address[,components]`",
    )
    opted_in: bool = Field(
        default=False,
        description="true: their owners already opted in elsewhere, send no confirmation "
        "(recorded in the audit log); false: each address is mailed a confirmation link",
    )


class ImportOut(BaseModel):
    added: int
    skipped: int
    confirmations: int


@router.get("/subscribers", tags=["subscribers"])
async def list_subscribers(
    request: Request,
    q: Annotated[str, Query(max_length=200, description="part of the address")] = "",
    component: Annotated[str, Query(max_length=100, description="a component key")] = "",
    page: Page = 1,
    per_page: PerPage = 50,
    _actor: Actor = Reader,
) -> SubscriberPage:
    found = await subscribers.search(ops_of(request), q, component, (page - 1) * per_page, per_page)
    items = [
        SubscriberOut(
            id=s.id,
            kind=s.kind,
            address=s.address,
            site_page=s.site_page,
            components=s.components,
            status=s.status.value,
            disabled_reason=s.disabled_reason,
            declared=s.declared,
            created_at=s.created_at,
            confirmed_at=s.confirmed_at,
        )
        for s in found.subscribers
    ]
    return SubscriberPage(items=items, total=found.total, page=page, per_page=per_page)


@router.get("/subscribers/counts", tags=["subscribers"])
async def subscriber_counts(request: Request, _actor: Actor = Reader) -> CountsOut:
    counts = await subscribers.counts(ops_of(request))
    return CountsOut(
        by_status=counts.by_status,
        per_component=[
            ComponentCountOut(key=c.key, name=c.name, active=c.active) for c in counts.per_component
        ],
    )


@router.get(
    "/subscribers/export",
    tags=["subscribers"],
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def export_subscribers(request: Request, _actor: Actor = Administrator) -> Response:
    """Every subscriber as CSV (address, kind, components, status, created_at, confirmed_at)."""
    body = await subscribers.export(ops_of(request))
    headers = {
        "content-disposition": 'attachment; filename="subscribers.csv"',
        "cache-control": "no-store",
    }
    return Response(body, 200, headers, media_type="text/csv; charset=utf-8")


@router.post("/subscribers/import", tags=["subscribers"])
async def import_subscribers(
    request: Request, body: ImportIn, actor: Actor = Administrator
) -> ImportOut:
    done = await subscribers.import_csv(ops_of(request), actor, body.csv, body.opted_in)
    return ImportOut(added=done.added, skipped=done.skipped, confirmations=done.confirmations)


@router.post("/subscribers/{subscriber_id}/unsubscribe", status_code=204, tags=["subscribers"])
async def unsubscribe(
    request: Request, subscriber_id: SubscriberId, actor: Actor = Operator
) -> Response:
    await subscribers.unsubscribe(ops_of(request), actor, subscriber_id)
    return Response(status_code=204)


@router.post("/subscribers/{subscriber_id}/confirm", status_code=204, tags=["subscribers"])
async def resend_confirmation(
    request: Request, subscriber_id: SubscriberId, actor: Actor = Operator
) -> Response:
    """Mail a new confirmation link (the previous one stops working)."""
    await subscribers.resend_confirmation(ops_of(request), actor, subscriber_id)
    return Response(status_code=204)
