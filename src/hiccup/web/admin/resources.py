"""The admin's resources as data: their form fields and the operations behind them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from hiccup.auth.principal import Principal
from hiccup.auth.roles import Permission, Role, Scope
from hiccup.core.status import IncidentImpact
from hiccup.manage import accounts, components, maintenance
from hiccup.manage.context import Actor, Ops
from hiccup.manage.models import (
    ComponentIn,
    MaintenanceForm,
    PageIn,
    TokenCreatedOut,
    TokenIn,
    UserIn,
    UserUpdate,
)
from hiccup.web.admin.base import render
from hiccup.web.admin.crud import Crud
from hiccup.web.admin.forms import Field

NONE = ("", "— none —")
IMPACTS = [(i.value, i.value) for i in IncidentImpact]
INCIDENT_MODES = [
    ("", "— the page's —"),
    ("auto", "auto: once an outage lasted publish_after"),
    ("manual", "manual: only those an operator opens"),
]


async def component_choices(ops: Ops, groups_only: bool = False) -> list[tuple[str, str]]:
    found = await components.list_components(ops)
    return [(c.id, c.name) for c in found if c.is_group or not groups_only]


async def page_choices(ops: Ops) -> list[tuple[str, str]]:
    return [(p.id, f"{p.name} ({p.slug})") for p in await components.list_pages(ops)]


async def component_fields(ops: Ops) -> Sequence[Field]:
    return [
        Field("name", "Name"),
        Field("key", "Key", optional=True),
        Field("description", "Description", "textarea", optional=True),
        Field("is_group", "This is a group", "bool"),
        Field(
            "group_id",
            "In group",
            "select",
            [NONE, *await component_choices(ops, True)],
            optional=True,
        ),
        Field("position", "Position", "int"),
        Field("page_id", "Page", "select", [NONE, *await page_choices(ops)], optional=True),
        Field("incidents", "Public incidents", "select", INCIDENT_MODES, optional=True),
        Field(
            "publish_after_s",
            "Publish after",
            "duration",
            optional=True,
            help="an outage opens a public incident once it lasted this long (e.g. 5m); "
            "default: the page's",
        ),
    ]


async def _component_values(ops: Ops, component_id: str) -> Mapping[str, Any]:
    return (await components.get_component(ops, component_id)).model_dump()


async def page_fields(_ops: Ops) -> Sequence[Field]:
    return [
        Field("name", "Name"),
        Field("slug", "Slug"),
        Field("url", "Public URL"),
        Field("time_zone", "Time zone", "zone"),
        Field("history_days", "Days of history", "int"),
        Field("incidents", "Public incidents", "select", INCIDENT_MODES[1:]),
        Field(
            "publish_after_s",
            "Publish after",
            "duration",
            help="components' default: an outage opens a public incident once it lasted this "
            "long (e.g. 5m)",
        ),
    ]


async def _page_values(ops: Ops, page_id: str) -> Mapping[str, Any]:
    return (await components.get_page(ops, page_id)).model_dump()


async def maintenance_fields(ops: Ops) -> Sequence[Field]:
    return [
        Field("name", "Title"),
        Field("components", "Affected components", "multi", await component_choices(ops)),
        Field("start", "Start (local time)", "datetime"),
        Field("duration_s", "Duration", "duration", help="e.g. 30m, 2h"),
        Field("time_zone", "Time zone", "zone", optional=True, help="default: the page's"),
        Field("rrule", "Repeat (RRULE)", optional=True, help="e.g. FREQ=WEEKLY;BYDAY=TU"),
        Field("message", "Message (expected impact)", "textarea"),
        Field("remind_before_s", "Remind before", "duration", optional=True, help="e.g. 1h"),
        Field("page_id", "Page", "select", [NONE, *await page_choices(ops)], optional=True),
    ]


async def _maintenance_values(ops: Ops, maintenance_id: str) -> Mapping[str, Any]:
    found = await maintenance.get_maintenance(ops, maintenance_id)
    values = found.model_dump(mode="json")
    return values | {"start": found.start_local}


async def user_fields(_ops: Ops) -> Sequence[Field]:
    roles = [(r.value, r.value) for r in Role]
    return [
        Field("name", "Name"),
        Field("role", "Role", "select", roles),
        Field("password", "Password", "password", optional=True, help="at least 10 characters"),
        Field("disabled", "Disabled", "bool"),
    ]


async def _user_values(ops: Ops, user_id: str) -> Mapping[str, Any]:
    found = [u for u in await accounts.list_users(ops) if u.id == user_id]
    if not found:
        from hiccup.manage.errors import NotFound

        raise NotFound("user")
    return {"role": found[0].role.value, "disabled": found[0].disabled}


async def token_fields(ops: Ops) -> Sequence[Field]:
    users = [(u.id, u.name) for u in await accounts.list_users(ops)]
    return [
        Field("name", "Token name", help="what uses it, e.g. 'deploy script'"),
        Field("scopes", "Scopes", "multi", [(s.value, s.value) for s in Scope]),
        Field("user_id", "Acts as user", "select", [("", "— me —"), *users], optional=True),
        Field(
            "expires_at",
            "Expires (UTC)",
            "datetime",
            optional=True,
            help="empty: until revoked",
            zone="UTC",
        ),
    ]


async def _update_component(ops: Ops, actor: Actor, item_id: str, data: Any) -> Any:
    return await components.save_component(ops, actor, data, item_id)


async def _update_page(ops: Ops, actor: Actor, item_id: str, data: Any) -> Any:
    return await components.save_page(ops, actor, data, item_id)


def _token_created(request: Request, principal: Principal, created: Any) -> Response:
    assert isinstance(created, TokenCreatedOut)
    return render(request, "token_created.html", principal, token=created)


CRUDS = [
    Crud(
        "components",
        "component",
        Permission.ADMINISTER,
        component_fields,
        ComponentIn,
        components.save_component,
        _component_values,
        None,
        _update_component,
        components.delete_component,
    ),
    Crud(
        "pages",
        "page",
        Permission.ADMINISTER,
        page_fields,
        PageIn,
        components.save_page,
        _page_values,
        None,
        _update_page,
        components.delete_page,
    ),
    Crud(
        "maintenance",
        "maintenance",
        Permission.OPERATE,
        maintenance_fields,
        MaintenanceForm,
        maintenance.schedule,
        _maintenance_values,
        None,
        maintenance.reschedule,
        maintenance.cancel,
    ),
    Crud(
        "users",
        "user",
        Permission.ADMINISTER,
        user_fields,
        UserIn,
        accounts.create_user,
        _user_values,
        UserUpdate,
        accounts.update_user,
        accounts.delete_user,
    ),
    Crud(
        "tokens",
        "API token",
        Permission.ADMINISTER,
        token_fields,
        TokenIn,
        accounts.create_token,
        delete=accounts.revoke_token,
        created_view=_token_created,
    ),
]
