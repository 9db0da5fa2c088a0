"""New / edit / delete routes for a resource described as data (forms.Field lists)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from hiccup.auth.principal import Principal
from hiccup.auth.roles import Permission
from hiccup.manage.context import Actor, Ops
from hiccup.manage.errors import Invalid
from hiccup.manage.validation import parse
from hiccup.web.admin.base import form_guard, guard, ops_of, redirect, render
from hiccup.web.admin.forms import Field, errors_by_field, read_form, shown_value

Fields = Callable[[Ops], Awaitable[Sequence[Field]]]


@dataclass(frozen=True)
class Crud:
    slug: str  # URL segment, e.g. "monitors"
    noun: str
    permission: Permission
    fields: Fields
    model: type[BaseModel]
    create: Callable[[Ops, Actor, Any], Awaitable[Any]]
    load: Callable[[Ops, str], Awaitable[Mapping[str, Any]]] | None = None
    update_model: type[BaseModel] | None = None
    update: Callable[[Ops, Actor, str, Any], Awaitable[Any]] | None = None
    delete: Callable[[Ops, Actor, str], Awaitable[None]] | None = None
    after: str = ""  # where to go after saving (default: the list)
    # Called with the created object; may answer instead of the redirect (tokens show once).
    created_view: Callable[[Request, Principal, Any], Response] | None = None


def form_page(
    request: Request,
    principal: Principal,
    crud: Crud,
    fields: Sequence[Field],
    values: Mapping[str, Any],
    action: str,
    problems: Mapping[str, str] | None = None,
) -> Response:
    shown = {f.name: shown_value(f, values.get(f.name)) for f in fields}
    errors = errors_by_field(fields, problems or {})
    title = f"Edit {crud.noun}" if action.endswith("/edit") else f"New {crud.noun}"
    status = 422 if problems else 200
    return render(
        request,
        "form.html",
        principal,
        status,
        title=title,
        fields=fields,
        values=shown,
        errors=errors,
        action=action,
        back=f"/{crud.slug}",
    )


def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in model.model_fields.items()
        if not info.is_required()
    }


async def _fields_for(crud: Crud, ops: Ops, editing: bool) -> list[Field]:
    model = (crud.update_model or crud.model) if editing else crud.model
    return [f for f in await crud.fields(ops) if f.name in model.model_fields]


async def _submit(request: Request, crud: Crud, item_id: str | None) -> Response:
    principal, actor, form = await form_guard(request, crud.permission)
    ops = ops_of(request)
    fields = await _fields_for(crud, ops, item_id is not None)
    data, problems = read_form(fields, form)
    action = f"/{crud.slug}/new" if item_id is None else f"/{crud.slug}/{item_id}/edit"
    try:
        if problems:
            raise Invalid(problems)
        if item_id is None:
            done = await crud.create(ops, actor, parse(crud.model, data))
        else:
            assert crud.update is not None
            done = await crud.update(
                ops, actor, item_id, parse(crud.update_model or crud.model, data)
            )
    except Invalid as error:
        return form_page(request, principal, crud, fields, data, action, error.fields)
    if item_id is None and crud.created_view is not None:
        return crud.created_view(request, principal, done)
    return redirect(crud.after or f"/{crud.slug}")


def register(router: APIRouter, crud: Crud) -> None:
    base = f"/{crud.slug}"

    async def new_form(request: Request) -> Response:
        principal, _ = await guard(request, crud.permission)
        fields = await _fields_for(crud, ops_of(request), False)
        return form_page(request, principal, crud, fields, _defaults(crud.model), f"{base}/new")

    async def create(request: Request) -> Response:
        return await _submit(request, crud, None)

    router.add_api_route(f"{base}/new", new_form, methods=["GET"])
    router.add_api_route(f"{base}/new", create, methods=["POST"])
    if crud.update is not None and crud.load is not None:
        load = crud.load

        async def edit_form(request: Request, item_id: str) -> Response:
            principal, _ = await guard(request, crud.permission)
            ops = ops_of(request)
            fields = await _fields_for(crud, ops, True)
            values = await load(ops, item_id)
            return form_page(request, principal, crud, fields, values, f"{base}/{item_id}/edit")

        async def save(request: Request, item_id: str) -> Response:
            return await _submit(request, crud, item_id)

        router.add_api_route(f"{base}/{{item_id}}/edit", edit_form, methods=["GET"])
        router.add_api_route(f"{base}/{{item_id}}/edit", save, methods=["POST"])
    if crud.delete is not None:
        remove = crud.delete

        async def delete(request: Request, item_id: str) -> Response:
            _, actor, _ = await form_guard(request, crud.permission)
            await remove(ops_of(request), actor, item_id)
            return redirect(crud.after or base)

        router.add_api_route(f"{base}/{{item_id}}/delete", delete, methods=["POST"])
